using System.Buffers;
using Scat.Backends;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// The transform: the engine turns a batch's planes into scattering maps in a pooled output buffer. Images at their
/// own sizes (a batch with <see cref="Batch.Sizes"/>): the images of one size in the batch go through the engine for
/// that size (<see cref="EngineCache"/>) in one call, wherever they are in the batch (the batch is the reordering
/// window), and up to <paramref name="sizesAtOnce"/> sizes run at once (the CPU engine gives a call of one image one
/// thread); each image's maps land at its own place, so rows keep the listing order.
/// </summary>
internal sealed class TransformStage(EngineCache engines, int channels, BufferPool<float[]> inputs, BufferPool<FeatureBuffer> outputs,
    int sizesAtOnce = 1)
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
        int n = batch.Kept;
        var inAt = new int[n + 1];
        var outAt = new long[n + 1];
        // The images of each size, in the order their sizes first appear.
        var bySize = new Dictionary<(int, int), List<int>>();
        var order = new List<(int, int)>();
        for (int i = 0; i < n; i++)
        {
            var (h, w) = batch.Sizes[i];
            var layout = engines.LayoutOf(h, w);
            batch.Rows.Add(RowGeometry.Of(layout));
            inAt[i + 1] = inAt[i] + channels * h * w;
            outAt[i + 1] = outAt[i] + (long)channels * layout.OutputPerPlane;
            if (!bySize.TryGetValue((h, w), out var images)) { bySize[(h, w)] = images = []; order.Add((h, w)); }
            images.Add(i);
        }
        if (outAt[n] > Array.MaxLength) throw new ScatException($"the features of a batch of {batch.Kept} images are too large for one array: use a smaller --batch-size");
        output.Ensure(outAt[n], (long)batch.Kept * channels * engines.First.Steps.K);
        int window = Math.Clamp(sizesAtOnce, 1, engines.Capacity);
        for (int first = 0; first < order.Count; first += window)
        {
            var sizes = order.Skip(first).Take(window).ToArray();
            var entries = sizes.Select(size => engines.For(size.Item1, size.Item2)).ToArray(); // made here, on this thread
            var maps = output.Maps;
            var options = new ParallelOptions { MaxDegreeOfParallelism = sizes.Length, CancellationToken = cancellationToken };
            Parallel.For(0, sizes.Length, options, k => OneSize(entries[k], bySize[sizes[k]], input, maps, inAt, outAt, cancellationToken));
        }
        return checked((int)outAt[n]);
    }

    /// <summary>One engine call for the images of one size: straight from the batch's buffers when they are
    /// consecutive, else gathered into a scratch buffer and their maps scattered back.</summary>
    private void OneSize(EngineCache.Entry entry, List<int> images, float[] input, float[] maps, int[] inAt, long[] outAt,
        CancellationToken cancellationToken)
    {
        int planes = images.Count * channels;
        int inPer = channels * entry.Layout.Height * entry.Layout.Width, outPer = channels * entry.Layout.OutputPerPlane;
        bool consecutive = images[^1] - images[0] == images.Count - 1;
        if (consecutive)
        {
            int i = images[0];
            entry.Engine.Transform(input.AsSpan(inAt[i], images.Count * inPer), planes, maps.AsSpan((int)outAt[i], images.Count * outPer), cancellationToken);
            return;
        }
        var gathered = ArrayPool<float>.Shared.Rent(images.Count * inPer);
        var result = ArrayPool<float>.Shared.Rent(images.Count * outPer);
        try
        {
            for (int k = 0; k < images.Count; k++) Array.Copy(input, inAt[images[k]], gathered, k * inPer, inPer);
            entry.Engine.Transform(gathered.AsSpan(0, images.Count * inPer), planes, result.AsSpan(0, images.Count * outPer), cancellationToken);
            for (int k = 0; k < images.Count; k++) Array.Copy(result, k * outPer, maps, outAt[images[k]], outPer);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(gathered);
            ArrayPool<float>.Shared.Return(result);
        }
    }
}
