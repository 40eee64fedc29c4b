using Scat.Backends;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// The transform: the engine turns a batch's planes into scattering maps in a pooled output buffer. Images at their
/// own sizes (a batch with <see cref="Batch.Sizes"/>): each run of consecutive images of one size goes through the
/// engine for that size (<see cref="EngineCache"/>), and their maps follow each other in the output.
/// </summary>
internal sealed class TransformStage(EngineCache engines, int channels, BufferPool<float[]> inputs, BufferPool<FeatureBuffer> outputs)
{
    /// <summary>Time spent in the engines.</summary>
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
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            int floats = batch.Sizes.Count == 0 ? Uniform(batch, input, output, cancellationToken) : Varying(batch, input, output, cancellationToken);
            Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            cancellationToken.ThrowIfCancellationRequested();
            batch.Features = output.Maps.AsMemory(0, floats);
        }
        finally
        {
            inputs.Return(input);
        }
    }

    /// <summary>Every image of the run's one size: one call of its engine.</summary>
    private int Uniform(Batch batch, float[] input, FeatureBuffer output, CancellationToken cancellationToken)
    {
        var layout = engines.First.Layout;
        int planes = batch.Kept * channels;
        output.Ensure((long)planes * layout.OutputPerPlane, (long)planes * engines.First.Steps.K); // --tile: a batch may hold more rows than images
        engines.First.Engine.Transform(input.AsSpan(0, planes * layout.Height * layout.Width), planes,
            output.Maps.AsSpan(0, planes * layout.OutputPerPlane), cancellationToken);
        return planes * layout.OutputPerPlane;
    }

    private int Varying(Batch batch, float[] input, FeatureBuffer output, CancellationToken cancellationToken)
    {
        batch.Rows.Clear();
        long maps = 0;
        foreach (var (h, w) in batch.Sizes)
        {
            var layout = engines.For(h, w).Layout;
            batch.Rows.Add(RowGeometry.Of(layout));
            maps += (long)channels * layout.OutputPerPlane;
        }
        if (maps > Array.MaxLength) throw new ScatException($"the features of a batch of {batch.Kept} images are too large for one array: use a smaller --batch-size");
        output.Ensure(maps, (long)batch.Kept * channels * engines.First.Steps.K);
        int inAt = 0, outAt = 0;
        for (int i = 0; i < batch.Kept;)
        {
            var (h, w) = batch.Sizes[i];
            int j = i + 1;
            while (j < batch.Kept && batch.Sizes[j] == (h, w)) j++;
            var entry = engines.For(h, w);
            int planes = (j - i) * channels;
            entry.Engine.Transform(input.AsSpan(inAt, planes * h * w), planes, output.Maps.AsSpan(outAt, planes * entry.Layout.OutputPerPlane), cancellationToken);
            inAt += planes * h * w;
            outAt += planes * entry.Layout.OutputPerPlane;
            i = j;
        }
        return outAt;
    }
}
