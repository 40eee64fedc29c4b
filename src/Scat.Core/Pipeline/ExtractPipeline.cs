using System.Diagnostics;
using System.Globalization;
using Scat.Backends;
using Scat.Input;
using Scat.Output;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// The extract run: list the inputs, decode each batch of images in parallel, transform the batch with
/// the engine, stream it to the writer. Anticipated failures throw <see cref="ScatException"/> (one line;
/// <see cref="ScatUsageException"/> for bad arguments); a failed or cancelled run leaves no output file.
/// </summary>
public sealed class ExtractPipeline
{
    private readonly ExtractOptions _options;
    private readonly Stream? _standardOutput;

    /// <param name="options">What to do.</param>
    /// <param name="standardOutput">Where "-o -" writes; required only then.</param>
    public ExtractPipeline(ExtractOptions options, Stream? standardOutput = null)
    {
        _options = options;
        _standardOutput = standardOutput;
    }

    /// <summary>Called after each batch (from the calling thread).</summary>
    public Action<ExtractProgress>? Progress { get; init; }

    /// <summary>Checks the options that need no file: J, L, order, batch size, threads, output format.</summary>
    public static void Validate(ExtractOptions o)
    {
        if (o.FileList is null && o.Inputs.Count == 0) throw new ScatUsageException("no input given (INPUT or --files-from)");
        if (o.FileList is not null && o.Inputs.Count > 0) throw new ScatUsageException("give INPUT or --files-from, not both");
        if (o.ClassesFromParent && o.FileList is null) throw new ScatUsageException("--classes-from-parent goes with --files-from");
        if (o.J < 1) throw new ScatUsageException($"--scale (J) must be at least 1, got {o.J}");
        if (o.L < 1) throw new ScatUsageException($"--angles (L) must be at least 1, got {o.L}");
        if (o.Order is not (1 or 2)) throw new ScatUsageException($"--order must be 1 or 2, got {o.Order}");
        if (o.BatchSize < 1) throw new ScatUsageException($"--batch-size must be at least 1, got {o.BatchSize}");
        if (o.Threads < 1) throw new ScatUsageException($"--threads must be at least 1, got {o.Threads}");
        if (string.IsNullOrEmpty(o.Output)) throw new ScatUsageException("no output given (-o)");
        var format = FeatureWriters.FormatOf(o.Output);
        if (o.Compression is not null && format != OutputFormat.Parquet)
            throw new ScatUsageException("--compression applies to a .parquet output only");
        Shard.FillName(o.Output, o.Shard);
    }

    public ExtractResult Run(TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var o = _options;
        var clock = Stopwatch.StartNew();
        Validate(o);
        bool toStdout = o.Output == FeatureWriters.StandardOutput;
        if (toStdout && _standardOutput is null) throw new InvalidOperationException("no standard output stream given");

        DeviceSpec device;
        try
        {
            device = EngineFactory.Resolve(o.Device, notice => { if (!o.Quiet) stderr.WriteLine(notice); });
        }
        catch (DeviceUnavailableException e)
        {
            throw new ScatException(e.Message, e);
        }

        if (o.Resize is { } r && ScatteringLayout.Problem(r.Height, r.Width, o.J, o.L, o.Order) is { } early)
            throw new ScatException($"{early} (--size {r.Height}x{r.Width})");

        var listing = o.FileList is null ? ImageListing.Build(o.Inputs) : ImageListing.FromFileList(o.FileList, o.ClassesFromParent);
        IReadOnlyList<ImageItem> selected = listing.Items;
        if (o.Shard is { } shard)
        {
            // Labels stay those of the whole input: the classes come from the full listing.
            var (first, end) = shard.Range(listing.Items.Count);
            if (first == end)
                throw new ScatException($"shard {shard} holds no image: the input has only {listing.Items.Count}");
            selected = listing.Items.Skip(first).Take(end - first).ToList();
        }
        var decoder = new ImageDecoder(o.Color, o.Resize);
        var run = new RunState(stderr, o, selected.Count, Progress);

        // The size of every image: from --size, or from the first image that decodes (all must match it).
        List<ImageItem> items;
        int height, width;
        if (toStdout)
            (items, height, width) = IdentifyAll(selected, decoder, run, cancellationToken);
        else
            (items, height, width) = FindReferenceSize(selected, decoder, run, cancellationToken);

        if (ScatteringLayout.Problem(height, width, o.J, o.L, o.Order) is { } problem)
            throw new ScatException(o.Resize is null ? $"{problem}; use --size to resize the images" : problem);
        var layout = new ScatteringLayout(height, width, o.J, o.L, o.Order);
        int channels = decoder.Channels;

        using var engine = EngineFactory.Create(device, layout, o.Threads, o.BatchSize * decoder.Channels);
        using var writer = toStdout ? new NpyStreamFeatureWriter(_standardOutput!, items.Count) : FeatureWriters.ForFile(Shard.FillName(o.Output, o.Shard), o.Compression);
        writer.Begin(new FeatureMetadata(layout, channels, listing.Classes) { Pool = o.Pool });

        long inPerImage = (long)channels * height * width;
        long outPerImage = (long)channels * layout.OutputPerPlane;
        if (Math.Max(inPerImage, outPerImage) > Array.MaxLength)
            throw new ScatException($"images of {height}x{width} are too large for one transform");
        int batch = (int)Math.Min(o.BatchSize, Math.Max(1, Array.MaxLength / Math.Max(inPerImage, outPerImage)));
        var input = new float[batch * inPerImage];
        var output = new float[batch * outPerImage];
        var pooled = o.Pool == PoolMode.None ? null : new float[batch * channels * layout.K];
        var slots = new Slot[batch];
        var labels = new long[batch];
        var paths = new List<string>(batch);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Threads, CancellationToken = cancellationToken };

        for (int start = 0; start < items.Count; start += batch)
        {
            int n = Math.Min(batch, items.Count - start);
            Parallel.For(0, n, parallel, i =>
                slots[i] = DecodeInto(decoder, items[start + i], height, width, input.AsSpan(i * (int)inPerImage, (int)inPerImage), cancellationToken));

            // In listing order: stop at the first image of another size, report skips, compact the good ones.
            int kept = 0;
            paths.Clear();
            for (int i = 0; i < n; i++)
            {
                var item = items[start + i];
                var slot = slots[i];
                if (slot.Reason is { } reason)
                {
                    if (toStdout)
                        throw new ScatException($"cannot decode {item.FullPath}: {reason} (its header was read, but standard output cannot be corrected once written)");
                    run.Skip(item, reason);
                    continue;
                }
                if (slot.Height != height || slot.Width != width)
                    throw new ScatException(MixedSizes(item, slot.Height, slot.Width, height, width));
                if (kept != i)
                    input.AsSpan(i * (int)inPerImage, (int)inPerImage).CopyTo(input.AsSpan(kept * (int)inPerImage));
                labels[kept] = item.Label;
                paths.Add(item.Path);
                kept++;
            }
            if (kept > 0)
            {
                var features = output.AsSpan(0, kept * (int)outPerImage);
                engine.Transform(input.AsSpan(0, kept * (int)inPerImage), kept * channels, features, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                if (pooled is not null)
                {
                    var pooledFeatures = pooled.AsSpan(0, kept * channels * layout.K);
                    Pooling.Pool(o.Pool, features, layout.OutPlaneSize, pooledFeatures);
                    features = pooledFeatures;
                }
                writer.WriteBatch(features, labels.AsSpan(0, kept), paths);
            }
            run.Done(n);
        }

        if (writer.Count == 0) throw new ScatException(AllSkipped(run.Skipped));
        writer.Complete();
        clock.Stop();
        if (!o.Quiet)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{writer.Count} images, {run.Skipped} skipped, in {clock.Elapsed.TotalSeconds:0.0} s"));
        return new ExtractResult(writer.Count, run.Skipped, clock.Elapsed, engine.Description);
    }

    private readonly record struct Slot(int Height, int Width, string? Reason);

    private static Slot DecodeInto(ImageDecoder decoder, ImageItem item, int height, int width, Span<float> destination,
        CancellationToken cancellationToken)
    {
        try
        {
            using var image = decoder.Decode(item.FullPath, cancellationToken);
            if (image.Height == height && image.Width == width) image.CopyPlanes(destination);
            return new Slot(image.Height, image.Width, null);
        }
        catch (ImageDecodeException e)
        {
            return new Slot(0, 0, e.Message);
        }
    }

    /// <summary>Without --size, the first image that decodes sets the size; undecodable ones before it are skipped.</summary>
    private (List<ImageItem>, int, int) FindReferenceSize(IReadOnlyList<ImageItem> all, ImageDecoder decoder, RunState run,
        CancellationToken cancellationToken)
    {
        if (_options.Resize is { } r) return (all.ToList(), r.Height, r.Width);
        for (int i = 0; i < all.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var image = decoder.Decode(all[i].FullPath, cancellationToken);
                return (all.Skip(i).ToList(), image.Height, image.Width);
            }
            catch (ImageDecodeException e)
            {
                run.Skip(all[i], e.Message);
                run.Done(1);
            }
        }
        throw new ScatException(AllSkipped(run.Skipped));
    }

    /// <summary>For standard output the header needs N first: read every image's header, skip the unreadable.</summary>
    private (List<ImageItem>, int, int) IdentifyAll(IReadOnlyList<ImageItem> all, ImageDecoder decoder, RunState run,
        CancellationToken cancellationToken)
    {
        var sizes = new (int H, int W, string? Reason)[all.Count];
        Parallel.For(0, all.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.Threads, CancellationToken = cancellationToken }, i =>
        {
            try
            {
                var (h, w) = decoder.Identify(all[i].FullPath);
                sizes[i] = (h, w, null);
            }
            catch (ImageDecodeException e)
            {
                sizes[i] = (0, 0, e.Message);
            }
        });
        var kept = new List<ImageItem>(all.Count);
        int height = 0, width = 0;
        for (int i = 0; i < all.Count; i++)
        {
            if (sizes[i].Reason is { } reason)
            {
                run.Skip(all[i], reason);
                run.Done(1);
                continue;
            }
            if (kept.Count == 0) (height, width) = (sizes[i].H, sizes[i].W);
            else if (sizes[i].H != height || sizes[i].W != width)
                throw new ScatException(MixedSizes(all[i], sizes[i].H, sizes[i].W, height, width));
            kept.Add(all[i]);
        }
        if (kept.Count == 0) throw new ScatException(AllSkipped(run.Skipped));
        return (kept, height, width);
    }

    private static string MixedSizes(ImageItem item, int h, int w, int height, int width) =>
        $"{item.FullPath} is {h}x{w} but the images before it are {height}x{width}; all images must have one size: use --size to resize them";

    private static string AllSkipped(int skipped) =>
        $"no image could be decoded ({skipped} file{(skipped == 1 ? "" : "s")} skipped)";

    private sealed class RunState(TextWriter stderr, ExtractOptions options, int total, Action<ExtractProgress>? progress)
    {
        private int _done;
        public int Skipped { get; private set; }

        public void Skip(ImageItem item, string reason)
        {
            if (options.Strict) throw new ScatException($"cannot decode {item.FullPath}: {reason}");
            Skipped++;
            if (!options.Quiet) stderr.WriteLine($"skipped {item.FullPath}: {reason}");
        }

        public void Done(int count)
        {
            _done += count;
            progress?.Invoke(new ExtractProgress(_done, total, Skipped));
        }
    }
}
