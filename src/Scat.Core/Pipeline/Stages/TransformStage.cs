using Scat.Backends;

namespace Scat.Pipeline;

/// <summary>The transform: the engine turns a batch's planes into scattering maps in a pooled output buffer.</summary>
internal sealed class TransformStage(IScatteringEngine engine, int channels, BufferPool<float[]> inputs, BufferPool<FeatureBuffer> outputs)
{
    private readonly int _inPerImage = channels * engine.Layout.Height * engine.Layout.Width;
    private readonly int _outPerImage = channels * engine.Layout.OutputPerPlane;

    /// <summary>Time spent in the engine.</summary>
    public TimeSpan Busy { get; private set; }

    public void Process(Batch batch, CancellationToken cancellationToken)
    {
        var input = batch.Input!;
        batch.Input = null;
        try
        {
            if (batch.Kept == 0) return;
            var output = outputs.Rent(cancellationToken);
            batch.Output = output;
            var features = output.Maps.AsMemory(0, batch.Kept * _outPerImage);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            engine.Transform(input.AsSpan(0, batch.Kept * _inPerImage), batch.Kept * channels, features.Span, cancellationToken);
            Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            cancellationToken.ThrowIfCancellationRequested();
            batch.Features = features;
        }
        finally
        {
            inputs.Return(input);
        }
    }
}
