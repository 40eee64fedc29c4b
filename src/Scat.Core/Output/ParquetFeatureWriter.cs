using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Scat.Output;

/// <summary>Compression of the column chunks of a Parquet output.</summary>
public enum ParquetCompression { Zstd, Snappy, Gzip, None }

/// <summary>
/// Writes one row per image to a Parquet file with Parquet.Net's row-group writer: <c>path</c> (string),
/// <c>label</c> (int64), <c>class</c> (string, null for label −1), <c>features</c> (list of float32, the
/// image's feature tensor flattened in C order). Images are gathered into row groups of at most
/// <see cref="RowGroupBytes"/> bytes of features (at least one image), so memory stays bounded whatever the
/// number of images. The key-value metadata holds under <c>scat</c> one JSON object describing the transform.
/// The file is written under a temporary name and renamed into place by <see cref="Complete"/>.
/// </summary>
public sealed class ParquetFeatureWriter(string destination, ParquetCompression compression = ParquetCompression.Zstd,
    bool overwrite = true, int rowGroupBytes = ParquetFeatureWriter.RowGroupBytes, bool durable = false) : IFeatureWriter
{
    /// <summary>The key of the file's key-value metadata that holds the JSON description.</summary>
    public const string MetadataKey = "scat";

    /// <summary>Target size of the features of one row group.</summary>
    public const int RowGroupBytes = 4 << 20;

    private static readonly DataField<string> PathField = new("path", false);
    private static readonly DataField<long> LabelField = new("label", false);
    private static readonly DataField<string> ClassField = new("class", true);
    private static readonly DataField<float> ElementField = new("element", false);
    private static readonly DataField<int> ShapeElementField = new("element", false);
    private static readonly DataField<int> TileYField = new("tile_y", false);
    private static readonly DataField<int> TileXField = new("tile_x", false);
    private static readonly ParquetSchema Schema = new(PathField, LabelField, ClassField,
        new ListField("features", ElementField), new ListField("shape", ShapeElementField));
    private static readonly ParquetSchema TileSchema = new(PathField, LabelField, ClassField,
        new ListField("features", ElementField), new ListField("shape", ShapeElementField), TileYField, TileXField);

    private OutputTarget? _target;
    private ParquetWriter? _writer;
    private FeatureMetadata? _meta;
    private bool _completed;

    // The row group being gathered: each row's features back to back, its shape, label and path.
    private float[] _features = [];
    private int _floats;
    private readonly List<long[]> _shapes = [];
    private readonly List<RowGeometry> _geometry = [];
    private readonly List<long> _labels = [];
    private readonly List<string> _paths = [];
    // Levels of the list columns, rebuilt per group: definition levels all at the maximum (no null or empty list),
    // repetition levels 0 at the start of each row's list and 1 inside it.
    private int[] _definition = [];
    private int[] _repetition = [];
    // The one shape of every row written so far (null once two differ), for the metadata's feature_shape.
    private long[]? _commonShape;
    private bool _shapesDiffer;
    // The one image size of every row (null once two differ), for the metadata's size.
    private (int Height, int Width)? _commonSize;
    private bool _sizesDiffer;

    public long Count { get; private set; }

    public static string CompressionName(ParquetCompression c) => c.ToString().ToLowerInvariant();

    /// <summary>Parses --compression (zstd, snappy, gzip, none).</summary>
    public static bool TryParseCompression(string text, out ParquetCompression compression)
    {
        foreach (var c in Enum.GetValues<ParquetCompression>())
            if (string.Equals(text.Trim(), CompressionName(c), StringComparison.OrdinalIgnoreCase)) { compression = c; return true; }
        compression = default;
        return false;
    }

    public void Begin(FeatureMetadata metadata)
    {
        if (_meta is not null) throw new InvalidOperationException("Begin was already called");
        _meta = metadata;
        _features = new float[Math.Max(rowGroupBytes / 4, metadata.FloatsPerImage)];

        _target = new OutputTarget(destination);
        var options = new ParquetOptions
        {
            CompressionMethod = compression switch
            {
                ParquetCompression.Snappy => CompressionMethod.Snappy,
                ParquetCompression.Gzip => CompressionMethod.Gzip,
                ParquetCompression.None => CompressionMethod.None,
                _ => CompressionMethod.Zstd,
            },
            CompressionLevel = System.IO.Compression.CompressionLevel.Optimal,
        };
        // --dtype float16 is refused for Parquet (ExtractOptions.Validate): Parquet.Net 6.1 has no FLOAT16 column.
        if (metadata.DType != FeatureDType.Float32) throw new NotSupportedException("a Parquet output stores float32 features only");
        _writer = ParquetWriter.CreateAsync(metadata.Tile is null ? Schema : TileSchema, _target.Stream, options).GetAwaiter().GetResult();
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths,
        ReadOnlySpan<RowGeometry> rows = default)
    {
        var meta = FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths, rows, fixedShape: false);
        int offset = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = rows.IsEmpty ? meta.CommonRow : rows[i];
            int n = meta.FloatsPerRow(row);
            if (_floats > 0 && _floats + n > _features.Length) Flush();
            if (n > _features.Length) _features = new float[n];
            features.Slice(offset, n).CopyTo(_features.AsSpan(_floats));
            offset += n;
            _floats += n;
            var shape = meta.RowShape(row);
            if (_commonShape is null && !_shapesDiffer) _commonShape = shape;
            else if (_commonShape is { } common && !common.AsSpan().SequenceEqual(shape)) { _commonShape = null; _shapesDiffer = true; }
            _shapes.Add(shape);
            _geometry.Add(row);
            if (_commonSize is null && !_sizesDiffer) _commonSize = (row.Height, row.Width);
            else if (_commonSize != (row.Height, row.Width)) { _commonSize = null; _sizesDiffer = true; }
            _labels.Add(labels[i]);
            _paths.Add(paths[i]);
        }
        Count += labels.Length;
    }

    private void Flush()
    {
        int rows = _labels.Count;
        if (rows == 0) return;
        var meta = _meta!;
        var classes = new string?[rows];
        for (int i = 0; i < rows; i++)
        {
            long label = _labels[i];
            classes[i] = label >= 0 && label < meta.Classes.Count ? meta.Classes[(int)label] : null;
        }
        int shapeValues = _shapes.Sum(s => s.Length);
        var shapeData = new int[shapeValues];
        int at = 0;
        foreach (var shape in _shapes)
            foreach (var d in shape) shapeData[at++] = checked((int)d);
        using (var group = _writer!.CreateRowGroup())
        {
            group.WriteAsync(PathField, _paths.ToArray()).GetAwaiter().GetResult();
            group.WriteAsync<long>(LabelField, _labels.ToArray()).GetAwaiter().GetResult();
            group.WriteAsync(ClassField, classes!).GetAwaiter().GetResult();
            Levels(_floats, i => meta.FloatsPerRow(_geometry[i]), rows);
            group.WriteAllPartsAsync<float>(ElementField, _features.AsMemory(0, _floats), _definition.AsMemory(0, _floats),
                _repetition.AsMemory(0, _floats), CancellationToken.None).GetAwaiter().GetResult();
            Levels(shapeValues, i => _shapes[i].Length, rows);
            group.WriteAllPartsAsync<int>(ShapeElementField, shapeData, _definition.AsMemory(0, shapeValues),
                _repetition.AsMemory(0, shapeValues), CancellationToken.None).GetAwaiter().GetResult();
            if (meta.Tile is not null)
            {
                group.WriteAsync<int>(TileYField, _geometry.Select(g => g.TileY).ToArray()).GetAwaiter().GetResult();
                group.WriteAsync<int>(TileXField, _geometry.Select(g => g.TileX).ToArray()).GetAwaiter().GetResult();
            }
            group.CompleteValidate();
        }
        _floats = 0;
        _shapes.Clear();
        _geometry.Clear();
        _labels.Clear();
        _paths.Clear();
    }

    /// <summary>The levels of a list column of <paramref name="values"/> values in <paramref name="rows"/> lists of the given lengths.</summary>
    private void Levels(int values, Func<int, int> length, int rows)
    {
        if (_definition.Length < values)
        {
            _definition = new int[values];
            _repetition = new int[values];
        }
        _definition.AsSpan(0, values).Fill(ElementField.MaxDefinitionLevel);
        _repetition.AsSpan(0, values).Fill(1);
        for (int i = 0, start = 0; i < rows; start += length(i), i++) _repetition[start] = 0;
    }

    public void Complete()
    {
        if (_meta is null) throw new InvalidOperationException("Begin was not called");
        if (_completed) throw new InvalidOperationException("Complete was already called");
        Flush();
        _writer!.CustomMetadata = new Dictionary<string, string> { [MetadataKey] = Describe(_meta, _shapesDiffer ? null : _commonShape ?? _meta.ImageShape, _sizesDiffer ? null : _commonSize ?? (_meta.Layout.Height, _meta.Layout.Width)) };
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult(); // writes the footer
        _writer = null;
        _target!.Commit(overwrite, durable);
        _completed = true;
    }

    public void Dispose()
    {
        // Not completed: the footer is never written and the temporary file is deleted.
        _writer = null;
        _target?.Dispose();
        _target = null;
    }

    /// <summary>The JSON object stored under <see cref="MetadataKey"/>.</summary>
    private static void WritePair(Utf8JsonWriter json, string name, (int Height, int Width)? pair)
    {
        if (pair is not { } p) { json.WriteNull(name); return; }
        json.WriteStartArray(name);
        json.WriteNumberValue(p.Height);
        json.WriteNumberValue(p.Width);
        json.WriteEndArray();
    }

    /// <param name="featureShape">The one shape of every row; null when rows differ.</param>
    /// <param name="size">The one size every image was transformed at; null when they differ.</param>
    public static string Describe(FeatureMetadata meta, long[]? featureShape, (int Height, int Width)? size)
    {
        var layout = meta.Layout;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (featureShape is null) json.WriteNull("feature_shape");
            else
            {
                json.WriteStartArray("feature_shape");
                foreach (var d in featureShape) json.WriteNumberValue(d);
                json.WriteEndArray();
            }
            json.WriteNumber("J", layout.J);
            json.WriteNumber("L", layout.L);
            json.WriteNumber("order", layout.Channels.Max(c => c.Order)); // the highest order kept, as NPZ and info report it (order 2 needs J >= 2)
            json.WriteString("color", meta.Channels switch { 1 => "gray", 3 => "rgb", _ => "none" }); // none: array bands
            if (size is not { } hw) json.WriteNull("size"); // each image at its own size
            else
            {
                json.WriteStartArray("size");
                json.WriteNumberValue(hw.Height);
                json.WriteNumberValue(hw.Width);
                json.WriteEndArray();
            }
            WritePair(json, "tile", meta.Tile);
            WritePair(json, "tile_stride", meta.TileStride);
            meta.Coefficients.WriteJson(json);
            ScatInfo.WriteChannels(json, "channels", meta.ScatChannels);
            json.WriteStartArray("classes");
            foreach (var c in meta.Classes) json.WriteStringValue(c);
            json.WriteEndArray();
            if (meta.Inputs is { } inputs)
            {
                json.WriteStartArray("inputs");
                foreach (var i in inputs) json.WriteStringValue(i);
                json.WriteEndArray();
            }
            if (meta.Options is { } options)
            {
                json.WriteStartObject("options");
                foreach (var (name, value) in options) json.WriteString(name, value);
                json.WriteEndObject();
            }
            json.WriteString("dtype", FeatureDTypes.Name(meta.DType));
            json.WriteString("scat_version", ScatInfo.Version);
            json.WriteString("created", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
