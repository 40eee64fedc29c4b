using Scat.Input;
using Scat.Input.Decoding;

namespace Scat.Pipeline;

/// <summary>
/// The image size of a run, found before the stages start: from --size; else from the first image that
/// decodes (undecodable ones before it are skipped); for standard output, whose header needs N first, from
/// every image's header (the unreadable are skipped, a second size fails the run).
/// </summary>
internal sealed class SizeProbe(IImageSource source, ImageDecoder decoder, DecodeWorkers workers, RunReport report, int threads)
{
    /// <returns>The items left to process and their size.</returns>
    public (IReadOnlyList<ImageItem> Items, int Height, int Width) Find(IReadOnlyList<ImageItem> all, bool identifyAll,
        CancellationToken cancellationToken)
    {
        if (identifyAll) return IdentifyAll(all, cancellationToken);
        if (decoder.Resize is { } r) return (all, r.Height, r.Width);
        for (int i = 0; i < all.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = all[i];
            try
            {
                var job = workers.Submit(token => source.Open(item, decoder, token), static image =>
                {
                    using (image) return (image.Height, image.Width);
                }, cancellationToken);
                var (h, w) = workers.Wait(job, cancellationToken);
                return (all.Skip(i).ToList(), h, w);
            }
            catch (ImageDecodeException e)
            {
                report.Skip(item, e.Message);
                report.Done(1);
            }
        }
        throw report.AllSkipped();
    }

    private (IReadOnlyList<ImageItem>, int, int) IdentifyAll(IReadOnlyList<ImageItem> all, CancellationToken cancellationToken)
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
                sizes[index] = (h, w, null);
            }
            catch (ImageDecodeException e)
            {
                sizes[index] = (0, 0, e.Message);
            }
        }
        var kept = new List<ImageItem>(all.Count);
        int height = 0, width = 0;
        for (int i = 0; i < all.Count; i++)
        {
            if (sizes[i].Reason is { } reason)
            {
                report.Skip(all[i], reason);
                report.Done(1);
                continue;
            }
            if (kept.Count == 0) (height, width) = (sizes[i].H, sizes[i].W);
            else if (sizes[i].H != height || sizes[i].W != width)
                throw new ScatException(MixedSizes(all[i], sizes[i].H, sizes[i].W, height, width));
            kept.Add(all[i]);
        }
        if (kept.Count == 0) throw report.AllSkipped();
        return (kept, height, width);
    }

    public static string MixedSizes(ImageItem item, int h, int w, int height, int width) =>
        $"{item.FullPath} is {h}x{w} but the images before it are {height}x{width}; all images must have one size: use --size to resize them";
}
