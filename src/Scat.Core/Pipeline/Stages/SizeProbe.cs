using Scat.Input;
using Scat.Input.Decoding;

namespace Scat.Pipeline;

/// <summary>
/// The image sizes of a run, found from the headers before the stages start (never by decoding an image in full):
/// <list type="bullet">
/// <item>--size: every image has that size;</item>
/// <item>an output of one shape (unpooled .npy/.npz) or standard output (whose header needs N first): every image's
/// header; the unreadable and those too small for J are skipped, and images of two sizes are refused (unless pooled
/// to standard output, where the shape does not depend on the size);</item>
/// <item>else the images are transformed at their own sizes: the first good header gives the run's first layout,
/// and the decode stage learns each image's size.</item>
/// </list>
/// </summary>
/// <param name="problem">Why an image of (height, width) cannot be transformed (too small for J), or null.</param>
internal sealed class SizeProbe(IImageSource source, ImageDecoder decoder, DecodeWorkers workers, RunReport report, int threads,
    Func<int, int, string?> problem)
{
    /// <summary>The items left to process, the size of the first (every one's unless <paramref name="Varying"/>).</summary>
    public readonly record struct Sizes(IReadOnlyList<ImageItem> Items, int Height, int Width, bool Varying);

    /// <param name="identifyAll">Read every header first (standard output needs N).</param>
    /// <param name="oneSize">The output holds one array of one shape: images of two sizes are refused.</param>
    public Sizes Find(IReadOnlyList<ImageItem> all, bool identifyAll, bool oneSize, CancellationToken cancellationToken)
    {
        if (decoder.Resize is { } r)
            return new(identifyAll ? IdentifyAll(all, checkSizes: false, oneSize, cancellationToken).Items : all, r.Height, r.Width, false);
        if (identifyAll || oneSize) return IdentifyAll(all, checkSizes: true, oneSize, cancellationToken);
        for (int i = 0; i < all.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = all[i];
            try
            {
                var job = workers.Submit<(int, int), (int, int)>(_ => source.Identify(item, decoder), static s => s, cancellationToken);
                var (h, w) = workers.Wait(job, cancellationToken);
                if (problem(h, w) is not { } reason) return new(all.Skip(i).ToList(), h, w, true);
                report.Skip(item, reason);
            }
            catch (ImageDecodeException e)
            {
                report.Skip(item, e.Message);
            }
            report.Done(1);
        }
        throw report.AllSkipped();
    }

    private Sizes IdentifyAll(IReadOnlyList<ImageItem> all, bool checkSizes, bool oneSize, CancellationToken cancellationToken)
    {
        var sizes = new (int H, int W, string? Reason)[all.Count];
        // Bounded look-ahead so that a long listing does not queue every job at once.
        var pending = new Queue<(int Index, DecodeWorkers.Job<(int, int)> Job)>();
        int window = Math.Max(4, 4 * threads);
        for (int next = 0; next < all.Count || pending.Count > 0;)
        {
            if (next < all.Count && pending.Count < window)
            {
                var item = all[next];
                pending.Enqueue((next, workers.Submit<(int, int), (int, int)>(_ => source.Identify(item, decoder), static s => s, cancellationToken)));
                next++;
                continue;
            }
            var (index, job) = pending.Dequeue();
            try
            {
                var (h, w) = workers.Wait(job, cancellationToken);
                sizes[index] = (h, w, checkSizes ? problem(h, w) : null);
            }
            catch (ImageDecodeException e)
            {
                sizes[index] = (0, 0, e.Message);
            }
        }
        var kept = new List<ImageItem>(all.Count);
        int height = 0, width = 0;
        bool varying = false;
        for (int i = 0; i < all.Count; i++)
        {
            if (sizes[i].Reason is { } reason)
            {
                report.Skip(all[i], reason);
                report.Done(1);
                continue;
            }
            if (kept.Count == 0) (height, width) = (sizes[i].H, sizes[i].W);
            else if (checkSizes && (sizes[i].H != height || sizes[i].W != width))
            {
                if (oneSize) throw new ScatUsageException(MixedSizes(all[i], sizes[i].H, sizes[i].W, height, width));
                varying = true;
            }
            kept.Add(all[i]);
        }
        if (kept.Count == 0) throw report.AllSkipped();
        return new(kept, height, width, varying);
    }

    /// <summary>Images of two sizes where the output holds one shape: the message names the ways out.</summary>
    public static string MixedSizes(ImageItem item, int h, int w, int height, int width) =>
        $"{item.FullPath} is {Messages.Size(h, w)} but the images before it are {Messages.Size(height, width)}; " +
        "an unpooled .npy or .npz output holds one size: use --pool mean|max, --size, or a .parquet output (each row with its own shape)";
}
