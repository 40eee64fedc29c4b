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
    private static readonly ParquetSchema Schema = new(PathField, LabelField, ClassField, new ListField("features", ElementField));

    private OutputTarget? _target;
    private ParquetWriter? _writer;
    private FeatureMetadata? _meta;
    private bool _completed;

    // The row group being gathered.
    private float[] _features = [];
    private long[] _labels = [];
    private string[] _paths = [];
    private int _rows;
    private int _rowsPerGroup;
    // Levels of the list column: definition levels all at the maximum (no null or empty list), repetition
    // levels 0 at the start of each image's list and 1 inside it. The same for every full group.
    private int[] _definition = [];
    private int[] _repetition = [];

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
        int perImage = metadata.FloatsPerImage;
        _rowsPerGroup = Math.Max(1, rowGroupBytes / 4 / Math.Max(1, perImage));
        _features = new float[(long)_rowsPerGroup * perImage];
        _labels = new long[_rowsPerGroup];
        _paths = new string[_rowsPerGroup];
        _definition = new int[_features.Length];
        _repetition = new int[_features.Length];
        _definition.AsSpan().Fill(ElementField.MaxDefinitionLevel);
        _repetition.AsSpan().Fill(1);
        for (int i = 0; i < _rowsPerGroup; i++) _repetition[(long)i * perImage] = 0;

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
        _writer = ParquetWriter.CreateAsync(Schema, _target.Stream, options).GetAwaiter().GetResult();
        _writer.CustomMetadata = new Dictionary<string, string> { [MetadataKey] = Describe(metadata) };
    }

    public void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths)
    {
        var meta = FeatureWriters.CheckBatch(_meta, _completed, features, labels, paths);
        int perImage = meta.FloatsPerImage;
        for (int i = 0; i < labels.Length; i++)
        {
            features.Slice(i * perImage, perImage).CopyTo(_features.AsSpan(_rows * perImage));
            _labels[_rows] = labels[i];
            _paths[_rows] = paths[i];
            if (++_rows == _rowsPerGroup) Flush();
        }
        Count += labels.Length;
    }

    private void Flush()
    {
        if (_rows == 0) return;
        var meta = _meta!;
        int floats = _rows * meta.FloatsPerImage;
        var paths = _paths.AsSpan(0, _rows).ToArray();
        var classes = new string?[_rows];
        for (int i = 0; i < _rows; i++)
        {
            long label = _labels[i];
            classes[i] = label >= 0 && label < meta.Classes.Count ? meta.Classes[(int)label] : null;
        }
        using (var group = _writer!.CreateRowGroup())
        {
            group.WriteAsync(PathField, paths).GetAwaiter().GetResult();
            group.WriteAsync<long>(LabelField, _labels.AsMemory(0, _rows)).GetAwaiter().GetResult();
            group.WriteAsync(ClassField, classes!).GetAwaiter().GetResult();
            group.WriteAllPartsAsync<float>(ElementField, _features.AsMemory(0, floats), _definition.AsMemory(0, floats),
                _repetition.AsMemory(0, floats), CancellationToken.None).GetAwaiter().GetResult();
            group.CompleteValidate();
        }
        _rows = 0;
    }

    public void Complete()
    {
        if (_meta is null) throw new InvalidOperationException("Begin was not called");
        if (_completed) throw new InvalidOperationException("Complete was already called");
        Flush();
        _writer!.DisposeAsync().AsTask().GetAwaiter().GetResult(); // writes the footer
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
    public static string Describe(FeatureMetadata meta)
    {
        var layout = meta.Layout;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("feature_shape");
            var shape = meta.FeatureShape(0);
            for (int i = 1; i < shape.Length; i++) json.WriteNumberValue(shape[i]);
            json.WriteEndArray();
            json.WriteNumber("J", layout.J);
            json.WriteNumber("L", layout.L);
            json.WriteNumber("order", layout.Channels.Max(c => c.Order)); // the highest order kept, as NPZ and info report it (order 2 needs J >= 2)
            json.WriteString("color", meta.Channels switch { 1 => "gray", 3 => "rgb", _ => "none" }); // none: array bands
            json.WriteStartArray("size");
            json.WriteNumberValue(layout.Height);
            json.WriteNumberValue(layout.Width);
            json.WriteEndArray();
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
