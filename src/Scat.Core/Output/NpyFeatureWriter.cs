using Scat.Formats;

namespace Scat.Output;

/// <summary>
/// Writes the features array alone as an NPY file. The header is written with N = 0 and rewritten in
/// place at the end (its length does not depend on N), so images can be streamed and skipped freely.
/// </summary>
public sealed class NpyFeatureWriter(string destination, bool overwrite = true, bool durable = false) : IFeatureWriter
{
    private OutputTarget? _target;
    private FeatureMetadata? _meta;
    private bool _completed;

    public long Count { get; private set; }

    public void Begin(FeatureMetadata metadata)
    {
        if (_meta is not null) throw new InvalidOperationException("Begin was already called");
        _meta = metadata;
        _target = new OutputTarget(destination);
        _target.Stream.Write(NpyFormat.Header(FeatureDTypes.NpyDescr(metadata.DType), metadata.FeatureShape(0)));
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths,
        ReadOnlySpan<RowGeometry> rows = default)
    {
        FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths, rows);
        FeatureDTypes.Write(_target!.Stream, features, _meta!.DType);
        Count += labels.Length;
    }

    public void Complete()
    {
        var meta = _meta ?? throw new InvalidOperationException("Begin was not called");
        if (_completed) throw new InvalidOperationException("Complete was already called");
        var stream = _target!.Stream;
        stream.Position = 0;
        stream.Write(NpyFormat.Header(FeatureDTypes.NpyDescr(meta.DType), meta.FeatureShape(Count)));
        _target.Commit(overwrite, durable);
        _completed = true;
    }

    public void Dispose()
    {
        _target?.Dispose();
        _target = null;
    }
}

/// <summary>
/// Writes the features array as NPY to a stream that cannot seek (standard output). N must be known
/// up front; <see cref="Complete"/> fails when a different number of images was written.
/// </summary>
public sealed class NpyStreamFeatureWriter(Stream output, long expectedCount) : IFeatureWriter
{
    private FeatureMetadata? _meta;
    private bool _completed;

    public long Count { get; private set; }

    public void Begin(FeatureMetadata metadata)
    {
        if (_meta is not null) throw new InvalidOperationException("Begin was already called");
        _meta = metadata;
        output.Write(NpyFormat.Header(FeatureDTypes.NpyDescr(metadata.DType), metadata.FeatureShape(expectedCount)));
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths,
        ReadOnlySpan<RowGeometry> rows = default)
    {
        FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths, rows);
        if (Count + labels.Length > expectedCount)
            throw new InvalidOperationException($"more images than the {expectedCount} announced in the header");
        FeatureDTypes.Write(output, features, _meta!.DType);
        Count += labels.Length;
    }

    public void Complete()
    {
        if (_meta is null) throw new InvalidOperationException("Begin was not called");
        if (Count != expectedCount)
            throw new ScatException($"wrote {Count} images to standard output but the header announced {expectedCount}");
        output.Flush();
        _completed = true;
    }

    public void Dispose() { }
}
