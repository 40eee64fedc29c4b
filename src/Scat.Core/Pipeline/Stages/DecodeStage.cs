using Scat.Input;
using Scat.Input.Decoding;

namespace Scat.Pipeline;

/// <summary>
/// Decode and batch: cuts the listing into batches, decodes each batch's images on the decode workers
/// (all cores, each decode under --decode-timeout) straight into a pooled input buffer, and gives the
/// batches on in listing order. The next batch is submitted before the current one is waited for, so the
/// workers never idle between batches. Skips are recorded in the batch, not reported here (the write
/// stage reports them in order); the first image of another size (or, for standard output, that cannot
/// be decoded) ends the run at its batch. Images at their own sizes (<paramref name="varyingProblem"/> given): each
/// decode is copied into a pooled array of its own size, and the batch's images are packed back to back in listing
/// order (the input buffer grows when larger images need it); one too small for the transform is skipped.
/// </summary>
/// With <paramref name="tiling"/>, each decoded image is cut into its tiles (of the run's size), each a row of the batch.
/// </summary>
/// <param name="varyingProblem">Images at their own sizes: why an image of (height, width) cannot be transformed, or
/// null; null: every image must have the run's size.</param>
/// <param name="tiling">--tile: the rows are the images' tiles (height and width are the tile's); a batch then covers
/// fewer images of the listing (a few per decode thread), since one image may give many tiles.</param>
internal sealed class DecodeStage(
    IImageSource source, ImageDecoder decoder, DecodeWorkers workers, BufferPool<float[]> inputs,
    int batchSize, int channels, int height, int width, bool toStandardOutput, Func<int, int, string?>? varyingProblem = null,
    Tiling? tiling = null)
{
    private readonly bool _hold = varyingProblem is not null || tiling is not null;
    private readonly int _imagesPerBatch = tiling is null ? batchSize : Math.Max(1, Math.Min(batchSize, 2 * workers.Threads));

    private readonly int _perImage = channels * height * width;

    /// <summary>Time spent waiting for and collecting decodes.</summary>
    public TimeSpan Busy { get; private set; }

    public void Run(IReadOnlyList<ImageItem> items, Action<Batch> give, CancellationToken cancellationToken)
    {
        Pending? next = items.Count > 0 ? Submit(items, 0, cancellationToken) : null;
        while (next is { } current)
        {
            int end = current.Batch.Start + current.Batch.Listed;
            next = end < items.Count ? Submit(items, end, cancellationToken) : (Pending?)null;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var batch = Collect(items, current, cancellationToken);
            Busy += System.Diagnostics.Stopwatch.GetElapsedTime(started);
            give(batch);
            if (batch.Failure is not null) return;
        }
    }

    private readonly record struct Pending(Batch Batch, DecodeWorkers.Job<DecodeOutcome>[] Jobs);

    /// <summary>What a decode job reports: the image's size (its planes are copied when it is the run's, or into
    /// <paramref name="Planes"/>, rented from the shared pool, at its own size), or why it failed.</summary>
    private readonly record struct DecodeOutcome(int Height, int Width, string? Reason, float[]? Planes = null);

    private Pending Submit(IReadOnlyList<ImageItem> items, int start, CancellationToken cancellationToken)
    {
        var batch = new Batch(start, Math.Min(_imagesPerBatch, items.Count - start)) { Input = inputs.Rent(cancellationToken) };
        var target = batch.Input;
        var jobs = new DecodeWorkers.Job<DecodeOutcome>[batch.Listed];
        for (int i = 0; i < jobs.Length; i++)
        {
            var item = items[start + i];
            int offset = i * _perImage;
            jobs[i] = !_hold
                ? workers.Submit(token => source.Open(item, decoder, token), image => CopyInto(image, target, offset), cancellationToken)
                : workers.Submit(token => source.Open(item, decoder, token), Hold, cancellationToken);
        }
        return new Pending(batch, jobs);
    }

    private DecodeOutcome CopyInto(DecodedImage image, float[] target, int offset)
    {
        using (image)
        {
            if (image.Height != height || image.Width != width) return new DecodeOutcome(image.Height, image.Width, null);
            var planes = target.AsSpan(offset, _perImage);
            image.CopyPlanes(planes);
            return new DecodeOutcome(image.Height, image.Width, FiniteStage.InputProblem(planes));
        }
    }

    private DecodeOutcome Hold(DecodedImage image)
    {
        using (image)
        {
            int floats = checked(channels * image.Height * image.Width);
            var planes = System.Buffers.ArrayPool<float>.Shared.Rent(floats);
            image.CopyPlanes(planes.AsSpan(0, floats));
            return new DecodeOutcome(image.Height, image.Width, FiniteStage.InputProblem(planes.AsSpan(0, floats)), planes);
        }
    }

    /// <summary>Why a run to standard output fails at an image found unusable after its header was read (and N written).</summary>
    public static string StreamFailure(ImageItem item, string reason) =>
        $"cannot decode {item.FullPath}: {reason} (its header was read, but standard output cannot be corrected once written)";

    /// <summary>Waits for the batch's decodes; in listing order: records skips, compacts the good images, stops at a mismatch.</summary>
    private Batch Collect(IReadOnlyList<ImageItem> items, Pending pending, CancellationToken cancellationToken)
    {
        var (batch, jobs) = pending;
        var outcomes = new DecodeOutcome[jobs.Length];
        for (int i = 0; i < jobs.Length; i++)
        {
            try { outcomes[i] = workers.Wait(jobs[i], cancellationToken); }
            catch (ImageDecodeException e) { outcomes[i] = new DecodeOutcome(0, 0, e.Message); }
        }
        if (tiling is not null) return PackTiles(items, batch, outcomes, tiling);
        if (varyingProblem is not null) return Pack(items, batch, outcomes);
        var input = batch.Input!;
        for (int i = 0; i < jobs.Length; i++)
        {
            var item = items[batch.Start + i];
            var outcome = outcomes[i];
            if (outcome.Reason is { } reason)
            {
                if (toStandardOutput)
                {
                    batch.Failure = new ScatException(StreamFailure(item, reason));
                    break;
                }
                batch.Skips.Add((item, reason));
                continue;
            }
            if (outcome.Height != height || outcome.Width != width)
            {
                batch.Failure = new ScatException(SizeProbe.MixedSizes(item, outcome.Height, outcome.Width, height, width));
                break;
            }
            if (batch.Kept != i)
                input.AsSpan(i * _perImage, _perImage).CopyTo(input.AsSpan(batch.Kept * _perImage));
            batch.Labels.Add(item.Label);
            batch.Paths.Add(item.Path);
            batch.Indices.Add(batch.Start + i);
            batch.Kept++;
        }
        return batch;
    }

    /// <summary>Images at their own sizes: records skips and packs the good images' planes back to back, in listing order.</summary>
    private Batch Pack(IReadOnlyList<ImageItem> items, Batch batch, DecodeOutcome[] outcomes)
    {
        try
        {
            long floats = 0;
            var kept = new List<int>(outcomes.Length); // the outcomes whose planes go into the batch
            for (int i = 0; i < outcomes.Length; i++)
            {
                var item = items[batch.Start + i];
                var (h, w, reason, _) = outcomes[i];
                reason ??= varyingProblem!(h, w);
                if (reason is not null)
                {
                    if (toStandardOutput)
                    {
                        batch.Failure = new ScatException(StreamFailure(item, reason));
                        break;
                    }
                    batch.Skips.Add((item, reason));
                    continue;
                }
                batch.Sizes.Add((h, w));
                batch.Labels.Add(item.Label);
                batch.Paths.Add(item.Path);
                batch.Indices.Add(batch.Start + i);
                batch.Kept++;
                kept.Add(i);
                floats += (long)channels * h * w;
            }
            if (floats > Array.MaxLength)
                throw new ScatException($"a batch of {batch.Kept} images is too large for one transform: use a smaller --batch-size");
            if (floats > batch.Input!.Length) batch.Input = new float[floats]; // returned to the pool in place of the smaller one
            int at = 0;
            foreach (int i in kept)
            {
                var (h, w, _, planes) = outcomes[i];
                int n = channels * h * w;
                planes!.AsSpan(0, n).CopyTo(batch.Input.AsSpan(at, n));
                at += n;
            }
            return batch;
        }
        finally
        {
            foreach (var outcome in outcomes)
                if (outcome.Planes is { } planes) System.Buffers.ArrayPool<float>.Shared.Return(planes);
        }
    }

    /// <summary>--tile: records skips and the images smaller than a tile, and cuts the others' tiles into the batch, in listing order.</summary>
    private Batch PackTiles(IReadOnlyList<ImageItem> items, Batch batch, DecodeOutcome[] outcomes, Tiling tiles)
    {
        try
        {
            long rows = 0;
            for (int i = 0; i < outcomes.Length; i++)
                if (outcomes[i].Reason is null) rows += tiles.Count(outcomes[i].Height, outcomes[i].Width);
            int perTile = channels * height * width;
            if (rows * perTile > Array.MaxLength)
                throw new ScatException($"the tiles of {batch.Listed} images are too many for one batch: use a larger --tile-stride");
            if (rows * perTile > batch.Input!.Length) batch.Input = new float[rows * perTile]; // returned to the pool in place of the smaller one
            for (int i = 0; i < outcomes.Length; i++)
            {
                var item = items[batch.Start + i];
                var (h, w, reason, planes) = outcomes[i];
                if (reason is not null)
                {
                    batch.Skips.Add((item, reason));
                    continue;
                }
                if (tiles.Count(h, w) == 0)
                {
                    batch.Notes.Add($"no tile in {item.FullPath}: it is {Messages.Size(h, w)}, smaller than the tile ({Messages.Size(tiles.Height, tiles.Width)})");
                    continue;
                }
                foreach (var (y, x) in tiles.Origins(h, w))
                {
                    tiles.Cut(planes!, channels, h, w, y, x, batch.Input.AsSpan(batch.Kept * perTile, perTile));
                    batch.Tiles.Add((y, x));
                    batch.Labels.Add(item.Label);
                    batch.Paths.Add(item.Path);
                    batch.Indices.Add(batch.Start + i);
                    batch.Kept++;
                }
            }
            return batch;
        }
        finally
        {
            foreach (var outcome in outcomes)
                if (outcome.Planes is { } planes) System.Buffers.ArrayPool<float>.Shared.Return(planes);
        }
    }
}
