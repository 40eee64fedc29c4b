namespace Scat.Output;

/// <summary>The output formats and the writer for each.</summary>
public enum OutputFormat { Npy, Npz, Parquet }

public static class FeatureWriters
{
    /// <summary>"-" means standard output (NPY).</summary>
    public const string StandardOutput = "-";

    /// <summary>The format of an output path by its extension; throws <see cref="ScatUsageException"/> for others.</summary>
    public static OutputFormat FormatOf(string path) => TryFormatOf(path, out var format) ? format
        : throw new ScatUsageException(
            $"unknown output format '{(Path.GetExtension(path) is { Length: > 0 } ext ? ext : path)}': use a .npy, .npz or .parquet file, or - for NPY on standard output");

    /// <summary>The format of an output path by its extension ("-": NPY); false for another extension.</summary>
    public static bool TryFormatOf(string path, out OutputFormat format)
    {
        var ext = Path.GetExtension(path);
        format = path == StandardOutput || string.Equals(ext, ".npy", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Npy
            : string.Equals(ext, ".npz", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Npz
            : string.Equals(ext, ".parquet", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Parquet
            : (OutputFormat)(-1);
        return Enum.IsDefined(format);
    }

    /// <summary>A writer for a file path (.npy, .npz or .parquet).</summary>
    /// <param name="path">The destination.</param>
    /// <param name="compression">Compression of a Parquet output (null: zstd); ignored by NPY and NPZ.</param>
    /// <param name="overwrite">false (--no-clobber): the final rename fails, and the run with it, when a file
    /// appeared at <paramref name="path"/> meanwhile.</param>
    /// <param name="durable">true: fsync the file before its rename and the folder after (each part of --part-size).</param>
    public static IFeatureWriter ForFile(string path, ParquetCompression? compression = null, bool overwrite = true,
        bool durable = false) => FormatOf(path) switch
        {
            OutputFormat.Npz => new NpzFeatureWriter(path, overwrite, durable),
            OutputFormat.Parquet => new ParquetFeatureWriter(path, compression ?? ParquetCompression.Zstd, overwrite, durable: durable),
            _ => new NpyFeatureWriter(path, overwrite, durable),
        };

    /// <param name="fixedShape">The format stores one array of one shape (NPY, NPZ): every row must have the layout's.</param>
    internal static FeatureMetadata CheckBatch(FeatureMetadata? meta, bool completed, ReadOnlySpan<float> features,
        ReadOnlySpan<long> labels, IReadOnlyList<string> paths, ReadOnlySpan<RowGeometry> rows = default, bool fixedShape = true)
    {
        if (meta is null) throw new InvalidOperationException("Begin was not called");
        if (completed) throw new InvalidOperationException("the writer is complete");
        if (paths.Count != labels.Length)
            throw new ArgumentException($"{labels.Length} labels but {paths.Count} paths");
        if (rows.IsEmpty)
        {
            if (features.Length != (long)labels.Length * meta.FloatsPerImage)
                throw new ArgumentException($"{features.Length} floats for {labels.Length} images of {meta.FloatsPerImage}");
            return meta;
        }
        if (rows.Length != labels.Length) throw new ArgumentException($"{labels.Length} labels but {rows.Length} row sizes");
        long floats = 0;
        foreach (var row in rows)
        {
            if (fixedShape && meta.FloatsPerRow(row) != meta.FloatsPerImage)
                throw new ArgumentException($"a row of output height {row.OutHeight}, width {row.OutWidth} in a file of one shape");
            floats += meta.FloatsPerRow(row);
        }
        if (features.Length != floats) throw new ArgumentException($"{features.Length} floats for rows of {floats}");
        return meta;
    }
}
