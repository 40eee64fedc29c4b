using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// The steps after the transform (<see cref="CoefficientSteps"/>: renorm → rotation-invariant → pool → log), each
/// only when asked. The features stay in the batch's own buffers, so the writer may still hold the previous batch.
/// </summary>
internal sealed class StepsStage(CoefficientSteps steps, int channels)
{
    public void Process(Batch batch, CancellationToken cancellationToken)
    {
        if (steps.IsIdentity || batch.Kept == 0) return;
        var output = batch.Output!;
        int length = steps.Apply(batch.Features.Span, batch.Kept * channels, output.Pooled).Length;
        batch.Features = (steps.Pools ? output.Pooled : output.Maps).AsMemory(0, length);
    }
}
