using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// The write: reports a batch's skips (in listing order), writes its features, counts progress, frees its buffer.
/// A writer of parts (<see cref="IListingFeatureWriter"/>) also gets each image's listing position
/// (<paramref name="positionOf"/> of its index in the run's items) and how far the listing is done.
/// </summary>
/// <param name="common">The geometry of a row of the run's first size (a tile's, with --tile).</param>
internal sealed class WriteStage(IFeatureWriter writer, RunReport report, BufferPool<FeatureBuffer> outputs, Func<int, int> positionOf,
    RowGeometry common)
{
    private readonly RowGeometry _common = common;
    private readonly IListingFeatureWriter? _parts = writer as IListingFeatureWriter;

    /// <summary>Time spent in the writer.</summary>
    public TimeSpan Busy { get; private set; }

    /// <summary>Completes the writer (the output is renamed into place), timed with the writes.</summary>
    public void Complete()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        writer.Complete();
        Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    public void Process(Batch batch)
    {
        try
        {
            foreach (var (item, reason) in batch.Skips) report.Skip(item, reason);
            foreach (var note in batch.Notes) report.Note(note);
            if (batch.Failure is { } failure) throw failure;
            if (batch.Kept > 0)
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                if (batch.Tiles.Count > 0 && batch.Rows.Count == 0)
                    foreach (var (y, x) in batch.Tiles) batch.Rows.Add(_common with { TileY = y, TileX = x });
                var rows = batch.Rows.Count == 0 ? default : System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch.Rows);
                if (_parts is null) writer.WriteBatch(batch.Features.Span, batch.Labels.ToArray(), batch.Paths, rows);
                else _parts.WriteBatch(batch.Features.Span, batch.Labels.ToArray(), batch.Paths, batch.Indices.Select(positionOf).ToArray(), rows);
                Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            }
            _parts?.Consumed(positionOf(batch.Start + batch.Listed - 1) + 1);
            report.Done(batch.Listed);
        }
        finally
        {
            if (batch.Output is { } output) outputs.Return(output);
            batch.Output = null;
        }
    }
}
