using Scat.Output;

namespace Scat.Pipeline;

/// <summary>The write: reports a batch's skips (in listing order), writes its features, counts progress, frees its buffer.</summary>
internal sealed class WriteStage(IFeatureWriter writer, RunReport report, BufferPool<FeatureBuffer> outputs)
{
    public void Process(Batch batch)
    {
        try
        {
            foreach (var (item, reason) in batch.Skips) report.Skip(item, reason);
            if (batch.Failure is { } failure) throw failure;
            if (batch.Kept > 0) writer.WriteBatch(batch.Features.Span, batch.Labels.ToArray(), batch.Paths);
            report.Done(batch.Listed);
        }
        finally
        {
            if (batch.Output is { } output) outputs.Return(output);
            batch.Output = null;
        }
    }
}
