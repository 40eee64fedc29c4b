using Scat.Output;

namespace Scat.Pipeline;

/// <summary>The write: reports a batch's skips (in listing order), writes its features, counts progress, frees its buffer.</summary>
internal sealed class WriteStage(IFeatureWriter writer, RunReport report, BufferPool<FeatureBuffer> outputs)
{
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
            if (batch.Failure is { } failure) throw failure;
            if (batch.Kept > 0)
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                writer.WriteBatch(batch.Features.Span, batch.Labels.ToArray(), batch.Paths);
                Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            }
            report.Done(batch.Listed);
        }
        finally
        {
            if (batch.Output is { } output) outputs.Return(output);
            batch.Output = null;
        }
    }
}
