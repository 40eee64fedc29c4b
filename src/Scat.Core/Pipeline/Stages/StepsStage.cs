namespace Scat.Pipeline;

/// <summary>
/// The steps after the transform (<see cref="Scat.Transform.CoefficientSteps"/>: renorm → rotation-invariant → pool →
/// log), each only when asked. The features stay in the batch's own buffers, so the writer may still hold the previous
/// batch. Images at their own sizes: each run of one size with the steps of its layout, the results packed in order.
/// </summary>
internal sealed class StepsStage(EngineCache engines, int channels)
{
    public void Process(Batch batch, CancellationToken cancellationToken)
    {
        var first = engines.First.Steps;
        if (first.IsIdentity || batch.Kept == 0) return;
        var output = batch.Output!;
        if (batch.Sizes.Count == 0)
        {
            int length = first.Apply(batch.Features.Span, batch.Kept * channels, output.Pooled).Length;
            batch.Features = (first.Pools ? output.Pooled : output.Maps).AsMemory(0, length);
            return;
        }
        var maps = output.Maps.AsSpan();
        int read = 0, written = 0;
        for (int i = 0; i < batch.Kept;)
        {
            var size = batch.Sizes[i];
            int j = i + 1;
            while (j < batch.Kept && batch.Sizes[j] == size) j++;
            var steps = engines.StepsFor(size.Height, size.Width);
            int planes = (j - i) * channels, floats = planes * engines.LayoutOf(size.Height, size.Width).OutputPerPlane;
            // A run's result never reaches past its own maps, and the results before it end where it starts or earlier.
            var result = steps.Apply(maps.Slice(read, floats), planes, first.Pools ? output.Pooled.AsSpan(written) : default);
            if (!first.Pools) result.CopyTo(maps[written..]);
            read += floats;
            written += result.Length;
            i = j;
        }
        batch.Features = (first.Pools ? output.Pooled : output.Maps).AsMemory(0, written);
    }
}
