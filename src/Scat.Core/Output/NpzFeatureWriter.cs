using System.IO.Compression;
using Scat.Formats;
using Scat.Transform;

namespace Scat.Output;

/// <summary>
/// Writes an NPZ archive (as numpy.savez: stored, uncompressed NPY members) with the features, labels,
/// paths, classes, the meta of every scattering channel and J, L. The features are streamed to a
/// temporary file beside the destination; <see cref="Complete"/> writes the archive (System.IO.Compression,
/// which switches to ZIP64 for members over 4 GB) into another temporary file and renames it into place.
/// Labels and paths are kept in memory (a few dozen bytes per image).
/// </summary>
public sealed class NpzFeatureWriter(string destination, bool overwrite = true, bool durable = false) : IFeatureWriter
{
    private OutputTarget? _features;
    private OutputTarget? _archive;
    private FeatureMetadata? _meta;
    private readonly List<long> _labels = [];
    private readonly List<string> _paths = [];
    private readonly List<(int Y, int X)> _tiles = [];
    private bool _completed;

    public long Count => _labels.Count;

    public void Begin(FeatureMetadata metadata)
    {
        if (_meta is not null) throw new InvalidOperationException("Begin was already called");
        _meta = metadata;
        _features = new OutputTarget(destination, "features");
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths,
        ReadOnlySpan<RowGeometry> rows = default)
    {
        FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths, rows);
        FeatureDTypes.Write(_features!.Stream, features, _meta!.DType);
        foreach (var l in labels) _labels.Add(l);
        _paths.AddRange(paths);
        if (_meta.Tile is not null) AddTiles(_tiles, rows);
    }

    public void Complete()
    {
        var meta = _meta ?? throw new InvalidOperationException("Begin was not called");
        if (_completed) throw new InvalidOperationException("Complete was already called");
        var featureData = _features!.Stream;
        featureData.Flush();
        featureData.Position = 0;

        _archive = new OutputTarget(destination);
        using (var zip = new ZipArchive(_archive.Stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Member(zip, "features", s =>
            {
                s.Write(NpyFormat.Header(FeatureDTypes.NpyDescr(meta.DType), meta.FeatureShape(Count)));
                featureData.CopyTo(s, 1 << 20);
            });
            WriteRowMembers(zip, meta, _labels, _paths, _tiles);
        }
        _archive.Commit(overwrite, durable);
        _completed = true;
        _features.Dispose();
        _features = null;
    }

    /// <summary>--tile: each row's (tile_y, tile_x), which every row must have.</summary>
    internal static void AddTiles(List<(int Y, int X)> tiles, ReadOnlySpan<RowGeometry> rows)
    {
        foreach (var row in rows)
        {
            if (row.TileY < 0) throw new ArgumentException("a tiled output needs each row's tile");
            tiles.Add((row.TileY, row.TileX));
        }
    }

    /// <summary>The members besides the features: labels, paths, (tile_y, tile_x, tile, tile_stride,) classes, inputs, options, channel meta, J, L
    /// (also an NPY part's sidecar).</summary>
    /// <param name="time">The members' time stamp; null: now. A fixed one makes the archive's bytes reproducible.</param>
    internal static void WriteRowMembers(ZipArchive zip, FeatureMetadata meta, IReadOnlyList<long> labels, IReadOnlyList<string> paths,
        IReadOnlyList<(int Y, int X)> tiles, DateTimeOffset? time = null)
    {
        void Member(ZipArchive zip, string name, Action<Stream> write) => NpzFeatureWriter.Member(zip, name, write, time);
        Member(zip, "labels", s => NpyFormat.WriteInt64Array(s, labels.ToArray()));
        Member(zip, "paths", s => NpyFormat.WriteUnicodeArray(s, paths));
        if (meta.Tile is { } tile && meta.TileStride is { } stride)
        {
            Member(zip, "tile_y", s => NpyFormat.WriteInt64Array(s, tiles.Select(t => (long)t.Y).ToArray()));
            Member(zip, "tile_x", s => NpyFormat.WriteInt64Array(s, tiles.Select(t => (long)t.X).ToArray()));
            Member(zip, "tile", s => NpyFormat.WriteInt64Array(s, [tile.Height, tile.Width]));
            Member(zip, "tile_stride", s => NpyFormat.WriteInt64Array(s, [stride.Height, stride.Width]));
        }
        Member(zip, "classes", s => NpyFormat.WriteUnicodeArray(s, meta.Classes));
        if (meta.Inputs is { } inputs) Member(zip, "inputs", s => NpyFormat.WriteUnicodeArray(s, inputs));
        if (meta.Options is { } options) Member(zip, "options", s => NpyFormat.WriteUnicodeArray(s, options.Select(FeatureShaping.Pair).ToList()));
        var channels = meta.ScatChannels;
        foreach (var field in ChannelFields.Of(channels))
            Member(zip, field, s => NpyFormat.WriteInt64Array(s, channels.Select(c => (long)ChannelFields.Value(c, field)).ToArray()));
        Member(zip, "J", s => NpyFormat.WriteInt64Array(s, [meta.Layout.J], scalar: true));
        Member(zip, "L", s => NpyFormat.WriteInt64Array(s, [meta.Layout.L], scalar: true));
    }

    private static void Member(ZipArchive zip, string name, Action<Stream> write, DateTimeOffset? time = null)
    {
        var entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
        if (time is { } t) entry.LastWriteTime = t;
        using var stream = entry.Open();
        write(stream);
    }

    public void Dispose()
    {
        _archive?.Dispose();
        _archive = null;
        _features?.Dispose();
        _features = null;
    }
}
