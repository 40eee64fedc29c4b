using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Scat.Input.Containers;

/// <summary>One row of a Parquet image table.</summary>
/// <param name="Row">The row's index in the file (over all row groups).</param>
/// <param name="Path">The struct's <c>path</c> when present and not empty, else <c>FILE[row]</c>.</param>
/// <param name="Label">The row's label, or −1 (no label column, or a null label).</param>
/// <param name="Bytes">The encoded image, or null for a null image (to be skipped like a bad file).</param>
public sealed record ParquetImageRow(long Row, string Path, int Label, byte[]? Bytes);

/// <summary>
/// A Parquet table of encoded images, read row group by row group with Parquet.Net (only the image, path and
/// label columns are read; memory is one row group of them). The image column (<c>image</c> or the one named) is
/// either a struct with a binary <c>bytes</c> field and an optional string <c>path</c> field (Hugging Face's Image
/// feature) or a plain binary column. The label column (<c>label</c> or the one named) holds integers; without it
/// (when not named) every label is −1.
/// </summary>
public sealed class ParquetImageReader : IDisposable
{
    public const string DefaultImageColumn = "image";
    public const string DefaultLabelColumn = "label";

    /// <summary>The file as given.</summary>
    public string File { get; }
    public int RowGroupCount => _reader.RowGroupCount;
    /// <summary>Rows in the whole file (from the footer, without reading data).</summary>
    public long RowCount { get; }
    /// <summary>The columns at the top level of the file, in schema order (for messages and metadata).</summary>
    public IReadOnlyList<string> Columns { get; }
    /// <summary>True when the image column is a struct (bytes + path), false for a plain binary column.</summary>
    public bool IsStruct { get; }
    /// <summary>The label column used, or null.</summary>
    public string? LabelColumn { get; }

    private readonly Stream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField _bytes;
    private readonly DataField? _path;
    private readonly DataField? _label;

    private ParquetImageReader(string file, Stream stream, ParquetReader reader, string imageColumn, string? labelColumn, bool labelNamed)
    {
        File = file;
        _stream = stream;
        _reader = reader;
        var top = reader.Schema.Fields;
        Columns = top.Select(f => f.Name).ToList();
        string there = string.Join(", ", Columns);
        var image = top.FirstOrDefault(f => f.Name == imageColumn)
            ?? throw new ScatException($"{file}: no image column '{imageColumn}' (columns there: {there}); name one with --image-column");
        switch (image)
        {
            case DataField d when IsBinary(d.ClrType) && !d.IsArray && d.MaxRepetitionLevel == 0:
                _bytes = d;
                break;
            case StructField s:
                var children = s.Fields;
                _bytes = children.OfType<DataField>().FirstOrDefault(c => c.Name == "bytes" && IsBinary(c.ClrType) && c.MaxRepetitionLevel == 0)
                    ?? throw new ScatException($"{file}: the struct column '{imageColumn}' has no binary field 'bytes' (fields there: {string.Join(", ", children.Select(c => c.Name))})");
                _path = children.OfType<DataField>().FirstOrDefault(c => c.Name == "path" && (c.ClrType == typeof(string) || c.ClrType == typeof(ReadOnlyMemory<char>)) && c.MaxRepetitionLevel == 0);
                IsStruct = true;
                break;
            default:
                throw new ScatException($"{file}: the column '{imageColumn}' is neither binary nor a struct with a binary 'bytes' field ({Describe(image)})");
        }
        if (labelColumn is not null)
        {
            var label = top.FirstOrDefault(f => f.Name == labelColumn);
            if (label is null)
            {
                if (labelNamed) throw new ScatException($"{file}: no label column '{labelColumn}' (columns there: {there})");
            }
            else if (label is DataField ld && (IsInteger(ld.ClrType) || IsFloat(ld.ClrType)) && ld.MaxRepetitionLevel == 0)
            {
                _label = ld;
                LabelColumn = labelColumn;
            }
            // Named or not, a label column that holds something else (strings, lists) is refused, never ignored.
            else throw new ScatException($"{file}: the label column '{labelColumn}' is not an integer column ({Describe(label)}; integral floats are accepted, NaN as −1)");
        }
        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            // A declared size, checked before anything is allocated for it: a footer may claim any number of rows.
            if (group.RowCount is < 0 or > MaxRowGroupRows)
                throw new ScatException($"{file}: row group {g} declares {group.RowCount} rows (at most {MaxRowGroupRows} are read); the footer cannot be trusted");
            rows += group.RowCount;
        }
        // The file's own count must be its row groups' (a footer claiming 2^40 rows over a few row groups is not trusted).
        if (reader.Metadata is { } footer && footer.NumRows != rows)
            throw new ScatException($"{file}: the footer declares {footer.NumRows} rows but its row groups hold {rows}; the footer cannot be trusted");
        RowCount = rows;
        _stamp = Stamp();
    }

    /// <summary>The most rows one row group may declare (a row group is read whole).</summary>
    public const long MaxRowGroupRows = 1 << 24;

    private readonly (long Length, DateTime Time) _stamp;

    /// <summary>The open file's length and time (of the file read, whatever its name now points to).</summary>
    private (long Length, DateTime Time) Stamp()
    {
        var handle = ((FileStream)_stream).SafeFileHandle;
        return (RandomAccess.GetLength(handle), System.IO.File.GetLastWriteTimeUtc(handle));
    }

    /// <summary>Fails the run (one line naming the table) when the file changed since it was opened: rows read by
    /// their index could then belong to other rows. A rename over the name is harmless (the open file is read).</summary>
    public void Verify()
    {
        var now = Stamp();
        if (now != _stamp) throw Changed($"{now.Length} bytes modified {now.Time:O}, opened as {_stamp.Length} bytes modified {_stamp.Time:O}");
    }

    /// <summary>The one line of a table that changed while it was read.</summary>
    public ScatException Changed(string how) =>
        new($"{File}: the table changed while it was read ({how}); run again on a table that is not being written");

    // Parquet.Net 6 reports BYTE_ARRAY columns as ReadOnlyMemory<byte> (strings as ReadOnlyMemory<char>); they read as byte[] (string).
    private static bool IsBinary(Type t) => t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>);

    private static bool IsFloat(Type t) => t == typeof(float) || t == typeof(double);

    private static string Describe(Field f) => f is DataField d
        ? (d.MaxRepetitionLevel > 0 ? "it holds lists" : "it holds " + (d.ClrType == typeof(ReadOnlyMemory<char>) ? "String" : d.ClrType.Name))
        : "it is a " + f.SchemaType.ToString().ToLowerInvariant();

    private static bool IsInteger(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(sbyte)
        || t == typeof(byte) || t == typeof(ushort) || t == typeof(uint) || t == typeof(ulong);

    /// <summary>True when the path names a Parquet file (.parquet or .pq, any case).</summary>
    public static bool IsParquetFile(string path) =>
        path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pq", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens a table (reads its footer). <paramref name="imageColumn"/>/<paramref name="labelColumn"/> null mean the
    /// defaults "image"/"label" (a missing default label column gives −1 labels; a missing named one is an error).
    /// Throws <see cref="ScatException"/> with one line naming the file (and, for a missing column, the columns there are).
    /// </summary>
    public static ParquetImageReader Open(string file, string? imageColumn = null, string? labelColumn = null)
    {
        if (!System.IO.File.Exists(file)) throw new ScatException($"input not found: {file}");
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Messages.CannotRead(file, e);
        }
        ParquetReader? reader = null;
        try
        {
            reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
            return new ParquetImageReader(file, stream, reader, imageColumn ?? DefaultImageColumn, labelColumn ?? DefaultLabelColumn, labelColumn is not null);
        }
        catch (Exception e) when (e is not ScatException)
        {
            reader?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            stream.Dispose();
            throw new ScatException($"{file}: not a readable Parquet file ({e.Message.Split('\n')[0].TrimEnd('.')})", e);
        }
        catch
        {
            reader?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The rows of one row group (read in one go: bytes, path and label columns of that group).</summary>
    /// <param name="includeBytes">False: only paths and labels are read (every <see cref="ParquetImageRow.Bytes"/> is then
    /// null), for a listing pass that must not hold or churn through the images.</param>
    public IReadOnlyList<ParquetImageRow> ReadRowGroup(int index, long firstRow, bool includeBytes = true)
    {
        Verify();
        using var group = _reader.OpenRowGroupReader(index);
        int rows = (int)group.RowCount; // at most MaxRowGroupRows (checked when opened)
        try
        {
            var bytes = includeBytes ? ReadNullable<byte, byte[]>(group, _bytes, rows, m => m.ToArray()) : new byte[]?[rows];
            string?[]? paths = _path is null ? null : ReadNullable<char, string>(group, _path, rows, m => new string(m.Span));
            double?[]? labels = _label is null ? null : ReadLabels(group, _label, rows);
            var result = new ParquetImageRow[rows];
            for (int i = 0; i < rows; i++)
            {
                long row = firstRow + i;
                string? p = paths?[i];
                string path = string.IsNullOrEmpty(p) ? File + "[" + row.ToString(CultureInfo.InvariantCulture) + "]" : p;
                double? l = labels?[i];
                if (l is { } v && v != Math.Floor(v)) throw new ScatException(string.Create(CultureInfo.InvariantCulture, $"{File}: label {v} in row {row} is not an integer"));
                if (l is < int.MinValue or > int.MaxValue) throw new ScatException(string.Create(CultureInfo.InvariantCulture, $"{File}: label {l} in row {row} does not fit a 32-bit integer"));
                result[i] = new ParquetImageRow(row, path, l is null ? -1 : (int)l.Value, bytes[i]);
            }
            return result;
        }
        catch (Exception e) when (e is not ScatException)
        {
            throw new ScatException($"{File}: row group {index} cannot be read ({e.Message.Split('\n')[0].TrimEnd('.')})", e);
        }
    }

    /// <summary>Every row, row group by row group (one group in memory at a time).</summary>
    public IEnumerable<ParquetImageRow> Rows()
    {
        long first = 0;
        for (int g = 0; g < RowGroupCount; g++)
        {
            var rows = ReadRowGroup(g, first);
            first += rows.Count;
            foreach (var r in rows) yield return r;
        }
    }

    /// <summary>
    /// A nullable BYTE_ARRAY leaf, one value or null per row. Read raw with its definition levels: Parquet.Net's
    /// ReadAsync does not place nulls of a field inside a struct (the values come packed, as a test with a null in
    /// the middle of a DuckDB table shows), so the nulls are put back here from the levels.
    /// </summary>
    private static T?[] ReadNullable<TElement, T>(ParquetRowGroupReader group, DataField field, int rows, Func<ReadOnlyMemory<TElement>, T> convert)
        where T : class
    {
        var values = new ReadOnlyMemory<TElement>[rows];
        var levels = new int[rows];
        group.ReadRawAsync<ReadOnlyMemory<TElement>>(field, values.AsMemory(), levels.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
        var result = new T?[rows];
        int v = 0;
        for (int i = 0; i < rows; i++)
            if (levels[i] == field.MaxDefinitionLevel) result[i] = convert(values[v++]);
        return result;
    }

    /// <summary>A row group's labels as doubles (every 32-bit label is exact in a double); a null or NaN is null (−1).</summary>
    private static double?[] ReadLabels(ParquetRowGroupReader group, DataField field, int rows)
    {
        var result = new double?[rows];
        if (field.ClrType == typeof(int)) Copy<int>(v => v);
        else if (field.ClrType == typeof(long)) Copy<long>(v => v);
        else if (field.ClrType == typeof(short)) Copy<short>(v => v);
        else if (field.ClrType == typeof(sbyte)) Copy<sbyte>(v => v);
        else if (field.ClrType == typeof(byte)) Copy<byte>(v => v);
        else if (field.ClrType == typeof(ushort)) Copy<ushort>(v => v);
        else if (field.ClrType == typeof(uint)) Copy<uint>(v => v);
        else if (field.ClrType == typeof(ulong)) Copy<ulong>(v => v);
        else if (field.ClrType == typeof(float)) Copy<float>(v => v);
        else if (field.ClrType == typeof(double)) Copy<double>(v => v);
        else throw new InvalidOperationException("not a label column");
        return result;

        void Copy<T>(Func<T, double> widen) where T : struct
        {
            var values = new T?[rows];
            group.ReadAsync(field, values.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            for (int i = 0; i < rows; i++) result[i] = values[i] is { } v && widen(v) is var d && !double.IsNaN(d) ? d : null;
        }
    }

    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }
}
