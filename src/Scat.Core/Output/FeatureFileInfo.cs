using System.IO.Compression;
using System.Text.Json;
using Parquet;
using Scat.Formats;
using Scat.Transform;

namespace Scat.Output;

/// <summary>
/// What a scat output holds, read without loading the features: the format, the number of rows (images), the
/// shape of one image's features (null when the rows of a Parquet file differ: each has its own in its shape column), and what the file records about the transform (absent fields are null:
/// an .npy file holds the features alone).
/// </summary>
public sealed record FeatureFileInfo(
    string Format,
    long Rows,
    IReadOnlyList<long>? FeatureShape,
    int? J,
    int? L,
    int? Order,
    string? Color,
    IReadOnlyList<int>? Size,
    IReadOnlyList<ChannelMeta>? Channels,
    IReadOnlyList<string>? Classes,
    string? ScatVersion,
    string? Created)
{
    /// <summary>The inputs extract was given (folders, patterns, shards, tables, arrays), when the file records them.</summary>
    public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>--tile: the tile (height, width) and the stride between tiles; null when rows are whole images.</summary>
    public IReadOnlyList<int>? Tile { get; init; }
    public IReadOnlyList<int>? TileStride { get; init; }

    /// <summary>The element type of the stored features: float32 or float16 (--dtype).</summary>
    public string DType { get; init; } = "float32";

    /// <summary>The options that shaped the features (<see cref="FeatureMetadata.Options"/>), when the file records them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Options { get; init; }

    /// <summary>Distinct labels other than -1 (no label), read when the file names no class; null otherwise.</summary>
    public int? DistinctLabels { get; init; }

    /// <summary>The suffix of an NPY part's sidecar ("part-00003.npy" has "part-00003.meta.npz").</summary>
    public const string SidecarSuffix = ".meta.npz";

    private static int Distinct(IEnumerable<long> labels) => labels.Where(l => l >= 0).Distinct().Count();

    private static string DTypeOfDescr(string descr) => descr switch
    {
        "<f2" => "float16",
        "<f4" => "float32",
        _ => descr,
    };

    /// <summary>Reads the description of an .npy, .npz or .parquet file; throws <see cref="ScatException"/>.</summary>
    public static FeatureFileInfo Read(string path)
    {
        if (!File.Exists(path)) throw new ScatException($"file not found: {path}");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return ext switch
            {
                ".npy" => ReadNpy(path),
                ".npz" => ReadNpz(path),
                ".parquet" => ReadParquet(path),
                _ => throw new ScatUsageException($"unknown format '{ext}': scat info reads .npy, .npz and .parquet files, and a parts folder or its MANIFEST.json"),
            };
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or JsonException
                                  or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ScatException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static FeatureFileInfo ReadNpy(string path)
    {
        using var s = File.OpenRead(path);
        var h = NpyReader.ReadHeader(s);
        if (h.Shape.Length < 1) throw new InvalidDataException("the array has no image axis");
        return new FeatureFileInfo("npy", h.Shape[0], h.Shape[1..], null, null, null, null, null, null, null, null, null)
        {
            DType = DTypeOfDescr(h.Descr),
        };
    }

    /// <summary>An NPZ output, or an NPY part's sidecar (its features are the .npy beside it, read when there).</summary>
    private static FeatureFileInfo ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var members = NpyReader.OpenNpz(zip);
        long[] Ints(string name)
        {
            using var s = members[name]();
            return NpyReader.ReadInt64(s).Data;
        }
        string[] Strings(string name)
        {
            using var s = members[name]();
            return NpyReader.ReadUnicode(s).Data;
        }
        string format = "npz";
        NpyHeader h;
        if (members.TryGetValue("features", out var features))
        {
            using var s = features();
            h = NpyReader.ReadHeader(s);
        }
        else if (path.EndsWith(SidecarSuffix, StringComparison.OrdinalIgnoreCase) && members.ContainsKey("labels"))
        {
            var part = path[..^SidecarSuffix.Length] + ".npy";
            if (!File.Exists(part)) throw new InvalidDataException($"the sidecar's features {part} are missing");
            using var s = File.OpenRead(part);
            h = NpyReader.ReadHeader(s);
            format = "npy part with sidecar";
        }
        else throw new InvalidDataException("no 'features' array: not a scat NPZ file");
        if (h.Shape.Length < 1) throw new InvalidDataException("the array has no image axis");
        int? Scalar(string name) => members.ContainsKey(name) ? (int)Ints(name)[0] : null;
        var channels = ChannelFields.Read(f => members.ContainsKey(f) ? Ints(f) : null);
        string? color = h.Shape.Length > 1 ? h.Shape[1] switch { 1 => "gray", 3 => "rgb", _ => null } : null;
        var classes = members.ContainsKey("classes") ? Strings("classes") : null;
        return new FeatureFileInfo(format, h.Shape[0], h.Shape[1..], Scalar("J"), Scalar("L"),
            channels is null ? null : channels.Max(c => c.Order), color, null, channels, classes, null, null)
        {
            Inputs = members.ContainsKey("inputs") ? Strings("inputs") : null,
            DType = DTypeOfDescr(h.Descr),
            Tile = members.ContainsKey("tile") ? Ints("tile").Select(v => (int)v).ToList() : null,
            TileStride = members.ContainsKey("tile_stride") ? Ints("tile_stride").Select(v => (int)v).ToList() : null,
            Options = members.ContainsKey("options") ? Strings("options").Select(FeatureShaping.ParsePair).ToList() : null,
            DistinctLabels = classes is { Length: > 0 } || !members.ContainsKey("labels") ? null : Distinct(Ints("labels")),
        };
    }

    private static FeatureFileInfo ReadParquet(string path)
    {
        var reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        try
        {
            var info = Describe(reader, reader.Metadata?.NumRows ?? 0);
            return info.Classes is { Count: > 0 } ? info : info with { DistinctLabels = Distinct(Labels(reader)) };
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The label column, row group by row group.</summary>
    private static IEnumerable<long> Labels(ParquetReader reader)
    {
        var field = reader.Schema.DataFields.FirstOrDefault(f => f.Name == "label") ?? throw new InvalidDataException("no 'label' column");
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            if (field.ClrType != typeof(long) || field.IsNullable) throw new InvalidDataException("the 'label' column is not int64");
            var data = new long[checked((int)group.RowCount)];
            group.ReadAsync<long>(field, data.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            foreach (var label in data) yield return label;
        }
    }

    private static FeatureFileInfo Describe(ParquetReader reader, long rows)
    {
        if (!reader.CustomMetadata.TryGetValue(ParquetFeatureWriter.MetadataKey, out var text))
            throw new InvalidDataException($"no '{ParquetFeatureWriter.MetadataKey}' key-value metadata: not a scat Parquet file");
        using var doc = JsonDocument.Parse(text);
        var r = doc.RootElement;
        int? Int(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        string? Str(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        List<int>? IntArray(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetInt32()).ToList() : null;
        var featureShape = r.GetProperty("feature_shape");
        var shape = featureShape.ValueKind == JsonValueKind.Null ? null : featureShape.EnumerateArray().Select(e => e.GetInt64()).ToList();
        List<ChannelMeta>? channels = null;
        if (r.TryGetProperty("channels", out var ch))
        {
            var objects = ch.EnumerateArray().ToList();
            channels = ChannelFields.Read(f => objects.Count > 0 && !objects[0].TryGetProperty(f, out _) ? null
                : objects.Select(o => (long)o.GetProperty(f).GetInt32()).ToArray()) ?? [];
        }
        return new FeatureFileInfo("parquet", rows, shape, Int("J"), Int("L"), Int("order"), Str("color"),
            r.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Array ? size.EnumerateArray().Select(e => e.GetInt32()).ToList() : null,
            channels,
            r.TryGetProperty("classes", out var cl) ? cl.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : null,
            Str("scat_version"), Str("created"))
        {
            Inputs = r.TryGetProperty("inputs", out var ins) ? ins.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : null,
            DType = Str("dtype") ?? "float32",
            Tile = IntArray("tile"),
            TileStride = IntArray("tile_stride"),
            Options = r.TryGetProperty("options", out var opts) && opts.ValueKind == JsonValueKind.Object
                ? opts.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? "")).ToList() : null,
        };
    }
}
