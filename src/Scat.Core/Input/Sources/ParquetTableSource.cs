using Scat.Input.Containers;
using Scat.Input.Decoding;

namespace Scat.Input;

/// <summary>
/// Parquet image tables (the Hugging Face Image feature: a struct column {bytes, path}, or a plain binary column, and
/// an integer label column), read row group by row group with Parquet.Net. <see cref="List"/> reads the paths and
/// labels of each table (not the image bytes); <see cref="Open"/> reads the rows again forward
/// through a <see cref="SequentialCursor{T}"/> that starts at the row group holding the row asked for, so at most
/// about a row group per open table is in memory.
/// </summary>
/// <param name="files">The tables (after brace and glob expansion), in order.</param>
/// <param name="imageColumn">--image-column (null: "image").</param>
/// <param name="labelColumn">--label-column (null: "label" when there, else labels −1).</param>
public sealed class ParquetTableSource(IReadOnlyList<string> files, string? imageColumn, string? labelColumn) : InMemoryImageSource, IDisposable
{
    private const long LookAheadBytes = 64L << 20;
    private const int OpenReaders = 2;

    private readonly List<ParquetImageReader> _tables = [];
    private readonly List<long[]> _groupStarts = [];
    private readonly List<SequentialCursor<ParquetImageRow>?> _cursors = [];
    private readonly List<int> _recent = [];
    private readonly Dictionary<ImageItem, (int Table, long Row, string? Problem)> _where = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();

    /// <summary>Stops the listing pass (which reads every row group) at an interrupt.</summary>
    public CancellationToken Cancellation { get; init; }

    public override ImageListing List()
    {
        var items = new List<ImageItem>();
        for (int f = 0; f < files.Count; f++)
        {
            var table = ParquetImageReader.Open(files[f], imageColumn, labelColumn);
            _tables.Add(table);
            _cursors.Add(null);
            var starts = new long[table.RowGroupCount + 1];
            long first = 0;
            for (int g = 0; g < table.RowGroupCount; g++)
            {
                Cancellation.ThrowIfCancellationRequested();
                starts[g] = first;
                foreach (var row in table.ReadRowGroup(g, first, includeBytes: false)) // a null image is found when opened
                {
                    var item = new ImageItem(Name(table, row.Row), row.Path, row.Label);
                    _where[item] = (f, row.Row, null);
                    items.Add(item);
                    first++;
                }
            }
            starts[table.RowGroupCount] = first;
            _groupStarts.Add(starts);
        }
        if (items.Count == 0) throw new ScatException($"no rows in {string.Join(" ", files)}");
        return new ImageListing([], items);
    }

    /// <summary>The name in messages: FILE[row].</summary>
    private static string Name(ParquetImageReader table, long row) =>
        table.File + "[" + row.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    protected override byte[] Bytes(ImageItem item)
    {
        var (table, row, problem) = _where[item];
        if (problem is not null) throw new ImageDecodeException(problem);
        return Cursor(table).Take(row).Bytes ?? throw new ImageDecodeException("null image");
    }

    private SequentialCursor<ParquetImageRow> Cursor(int table)
    {
        lock (_gate)
        {
            var cursor = _cursors[table] ??= new SequentialCursor<ParquetImageRow>(
                row => Rows(table, row), r => r.Bytes?.Length ?? 0, LookAheadBytes);
            _recent.Remove(table);
            _recent.Add(table);
            while (_recent.Count > OpenReaders)
            {
                _cursors[_recent[0]]?.Dispose(); // closed, not forgotten: asked again, it reopens
                _recent.RemoveAt(0);
            }
            return cursor;
        }
    }

    /// <summary>The rows from the start of the row group holding <paramref name="row"/> to the end of the table.</summary>
    private (long First, IEnumerator<ParquetImageRow> Reader) Rows(int table, long row)
    {
        var starts = _groupStarts[table];
        int group = Array.BinarySearch(starts, 0, starts.Length - 1, row);
        if (group < 0) group = ~group - 1;
        return (starts[group], Read(_tables[table], starts, group).GetEnumerator());

        static IEnumerable<ParquetImageRow> Read(ParquetImageReader t, long[] starts, int from)
        {
            for (int g = from; g < t.RowGroupCount; g++)
            {
                // The second pass verifies the first: the file (ReadRowGroup) and each row group's row count.
                var rows = t.ReadRowGroup(g, starts[g]);
                if (rows.Count != starts[g + 1] - starts[g])
                    throw t.Changed($"row group {g} has {rows.Count} rows, listed with {starts[g + 1] - starts[g]}");
                foreach (var r in rows) yield return r;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var c in _cursors) c?.Dispose();
            foreach (var t in _tables) t.Dispose();
            _tables.Clear();
        }
    }
}
