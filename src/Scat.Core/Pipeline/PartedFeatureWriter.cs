using System.IO.Compression;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// A writer that also knows where each image sits in the run's listing (issue 14): the pipeline passes the
/// listing position of every written image and, after each batch, how far the listing is consumed (written
/// or skipped). Parts then cover fixed ranges of the listing whatever images are skipped.
/// </summary>
public interface IListingFeatureWriter : IFeatureWriter
{
    /// <summary>Appends images; <paramref name="positions"/> holds each image's listing position, ascending;
    /// <paramref name="rows"/> as in <see cref="IFeatureWriter.WriteBatch"/>.</summary>
    void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths, ReadOnlySpan<int> positions,
        ReadOnlySpan<RowGeometry> rows);

    /// <summary>Every listing position below <paramref name="end"/> is done (written or skipped).</summary>
    void Consumed(int end);
}

/// <summary>
/// Writes the output of a <c>--part-size</c> run as parts of <see cref="PartedOutput.PartSize"/> listing positions
/// each. Each part is a complete file of the run's format (one writer of <see cref="FeatureWriters.ForFile"/> per
/// part: temporary file, fsync, rename) with its own labels, paths and metadata (an NPY part has them in a
/// sidecar NPZ); once in place it is recorded in the manifest with its size and checksum. Parts already good
/// (--resume) are never touched. Disposing without <see cref="Complete"/> keeps the finished parts and deletes
/// the part in flight.
/// </summary>
public sealed class PartedFeatureWriter(PartedOutput plan) : IListingFeatureWriter
{
    private FeatureMetadata? _meta;
    private IFeatureWriter? _current;
    private int _currentPart = -1;
    private readonly List<long> _labels = [];
    private readonly List<string> _paths = [];
    private readonly List<(int Y, int X)> _tiles = [];
    private int _next; // parts below are finished (now or before)
    private bool _completed;

    /// <summary>Rows of every part: the good ones found by --resume and those written now.</summary>
    public long Count { get; private set; } = plan.GoodRows;

    public void Begin(FeatureMetadata metadata)
    {
        if (_meta is not null) throw new InvalidOperationException("Begin was already called");
        if (metadata.OneShape) plan.SetFeatureShape(metadata.ImageShape);
        _meta = metadata;
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths,
        ReadOnlySpan<RowGeometry> rows = default) =>
        throw new InvalidOperationException("a parted output needs the listing positions of the images");

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths, ReadOnlySpan<int> positions,
        ReadOnlySpan<RowGeometry> rows)
    {
        var meta = FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths, rows, fixedShape: false);
        if (positions.Length != labels.Length) throw new ArgumentException($"{labels.Length} labels but {positions.Length} positions");
        int offset = 0;
        for (int i = 0; i < labels.Length;)
        {
            int part = positions[i] / plan.PartSize;
            if (plan.IsGood(part) && part != _currentPart)
                throw new InvalidOperationException($"position {positions[i]} is in part {part}, which is done");
            FinishBelow(part);
            if (_currentPart != part) Open(part);
            int j = i + 1;
            while (j < labels.Length && positions[j] / plan.PartSize == part) j++;
            var pathSlice = paths is List<string> list ? list.GetRange(i, j - i) : paths.Skip(i).Take(j - i).ToList();
            int floats = rows.IsEmpty ? (j - i) * meta.FloatsPerImage : 0;
            for (int r = i; r < j && !rows.IsEmpty; r++) floats += meta.FloatsPerRow(rows[r]);
            _current!.WriteBatch(features.Slice(offset, floats), labels[i..j], pathSlice, rows.IsEmpty ? default : rows[i..j]);
            offset += floats;
            if (plan.Format == OutputFormat.Npy)
            {
                foreach (var l in labels[i..j]) _labels.Add(l);
                _paths.AddRange(pathSlice);
                if (meta.Tile is not null) NpzFeatureWriter.AddTiles(_tiles, rows[i..j]);
            }
            Count += j - i;
            i = j;
        }
    }

    public void Consumed(int end)
    {
        if (_meta is null) throw new InvalidOperationException("Begin was not called");
        // Parts whose whole range is below end are finished.
        FinishBelow(end >= plan.Count ? plan.PartCount : end / plan.PartSize);
    }

    /// <summary>Finishes every part below <paramref name="part"/> not yet finished (an empty one if all its images were skipped).</summary>
    private void FinishBelow(int part)
    {
        for (; _next < Math.Min(part, plan.PartCount); _next++)
        {
            if (plan.IsGood(_next) && _currentPart != _next) continue;
            if (_currentPart != _next) Open(_next);
            Finish();
        }
    }

    private void Open(int part)
    {
        if (_current is not null) throw new InvalidOperationException($"part {_currentPart} is still open");
        _current = FeatureWriters.ForFile(plan.PartPath(part), plan.Options.Compression,
            overwrite: !(plan.Options.NoClobber && !plan.Options.Resume), durable: true);
        _current.Begin(_meta!);
        _currentPart = part;
        _labels.Clear();
        _paths.Clear();
        _tiles.Clear();
    }

    private void Finish()
    {
        int part = _currentPart;
        long rows = _current!.Count;
        _current.Complete();
        _current.Dispose();
        _current = null;
        _currentPart = -1;
        var file = plan.PartPath(part);
        string? sidecar = plan.SidecarPath(part);
        if (sidecar is not null) WriteSidecar(sidecar);
        long first = part * (long)plan.PartSize, end = plan.PartEnd(part);
        plan.Finished(new ManifestPart
        {
            Index = part,
            File = Path.GetFileName(file),
            First = plan.GlobalPosition((int)first),
            End = plan.GlobalPosition((int)end),
            Rows = rows,
            Skipped = end - first - rows,
            Bytes = new FileInfo(file).Length,
            Xxh128 = PartChecksum.OfFile(file),
            Sidecar = sidecar is null ? null : Path.GetFileName(sidecar),
            SidecarBytes = sidecar is null ? null : new FileInfo(sidecar).Length,
            SidecarXxh128 = sidecar is null ? null : PartChecksum.OfFile(sidecar),
        });
    }

    /// <summary>The sidecar's member time stamp: fixed (ZIP's epoch), so that a redone part's sidecar is byte-identical.</summary>
    private static readonly DateTimeOffset SidecarTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An NPY part's labels, paths, classes, channel meta, J and L: the NPZ members of a single-file run but the features.</summary>
    private void WriteSidecar(string path)
    {
        using var target = new OutputTarget(path);
        using (var zip = new ZipArchive(target.Stream, ZipArchiveMode.Create, leaveOpen: true))
            NpzFeatureWriter.WriteRowMembers(zip, _meta!, _labels, _paths, _tiles, SidecarTime);
        target.Commit(overwrite: true, durable: true);
    }

    public void Complete()
    {
        if (_meta is null) throw new InvalidOperationException("Begin was not called");
        if (_completed) throw new InvalidOperationException("Complete was already called");
        FinishBelow(plan.PartCount);
        plan.MarkComplete();
        _completed = true;
    }

    /// <summary>Finished parts stay; the part in flight is aborted (its temporary file deleted).</summary>
    public void Dispose()
    {
        _current?.Dispose();
        _current = null;
    }
}
