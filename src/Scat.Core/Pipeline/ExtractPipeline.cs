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
        string output = Shard.FillName(o.Output, o.Shard);
        if (o.Resize is { } r && ScatteringLayout.Problem(r.Height, r.Width, o.J, o.L, o.Order) is { } problem)
            throw new ScatUsageException($"{problem} (--size {r.Height}x{r.Width}): use a smaller J or a larger --size");
        if (o.MaxPixels < 1) throw new ScatUsageException($"--max-pixels must be at least 1, got {o.MaxPixels}");
        if (!(o.DecodeTimeout > TimeSpan.Zero && o.DecodeTimeout <= MaxDecodeTimeout))
            throw new ScatUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--decode-timeout must be more than 0 and at most {MaxDecodeTimeout.TotalSeconds} seconds, got {o.DecodeTimeout.TotalSeconds}"));
        if (o.SkippedList is { } list)
        {
            if (list.Length == 0 || list == FeatureWriters.StandardOutput)
                throw new ScatUsageException("--skipped needs a file path");
            if (output != FeatureWriters.StandardOutput && Path.GetFullPath(list) == Path.GetFullPath(output))
                throw new ScatUsageException("--skipped must be another file than the output");
        }
    }

    /// <summary>The longest --decode-timeout accepted: one day.</summary>
    public static readonly TimeSpan MaxDecodeTimeout = TimeSpan.FromDays(1);

    /// <summary>Abandoned (overrunning) decodes that may still be running before the run gives up.</summary>
    public const int MaxAbandonedDecodes = 4;

    public ExtractResult Run(TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var o = _options;
        var clock = Stopwatch.StartNew();
        Validate(o);
        bool toStdout = o.Output == FeatureWriters.StandardOutput;
        if (toStdout && _standardOutput is null) throw new InvalidOperationException("no standard output stream given");
        string output = Shard.FillName(o.Output, o.Shard);
        if (o.NoClobber && !toStdout && (File.Exists(output) || Directory.Exists(output)))
            throw new ScatException($"{output} exists; not replaced (--no-clobber)");

        DeviceSpec device;
        try
        {
            device = EngineFactory.Resolve(o.Device, notice => { if (!o.Quiet) stderr.WriteLine(notice); });
        }
        catch (DeviceUnavailableException e)
        {
            throw new ScatException(e.Message, e);
        }

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
        var decoder = new ImageDecoder(o.Color, o.Resize, maxPixels: o.MaxPixels, decode: o.Decode);
        using var workers = new DecodeWorkers(o.Threads, o.DecodeTimeout, MaxAbandonedDecodes);
        var run = new RunState(stderr, o, selected.Count, Progress);
        try
        {
            return Run(stderr, listing, selected, decoder, workers, run, toStdout, device, clock, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot write {(toStdout ? "standard output" : output)}: {OneClause(e.Message)}", e);
        }
    }

    private ExtractResult Run(TextWriter stderr, ImageListing listing, IReadOnlyList<ImageItem> selected, ImageDecoder decoder,
        DecodeWorkers workers, RunState run, bool toStdout, DeviceSpec device, Stopwatch clock, CancellationToken cancellationToken)
    {
        var o = _options;

        // The size of every image: from --size, or from the first image that decodes (all must match it).
        List<ImageItem> items;
        int height, width;
        if (toStdout)
            (items, height, width) = IdentifyAll(selected, decoder, workers, run, cancellationToken);
        else
            (items, height, width) = FindReferenceSize(selected, decoder, workers, run, cancellationToken);

        if (ScatteringLayout.Problem(height, width, o.J, o.L, o.Order) is { } problem)
            throw new ScatException(o.Resize is null ? $"{problem}; use --size to resize the images" : problem);
        var layout = new ScatteringLayout(height, width, o.J, o.L, o.Order);
        int channels = decoder.Channels;

        using var engine = EngineFactory.Create(device, layout, o.Threads, o.BatchSize * decoder.Channels);
        using var writer = toStdout ? new NpyStreamFeatureWriter(_standardOutput!, items.Count)
            : FeatureWriters.ForFile(Shard.FillName(o.Output, o.Shard), o.Compression, overwrite: !o.NoClobber);
        writer.Begin(new FeatureMetadata(layout, channels, listing.Classes) { Pool = o.Pool });

        long inPerImage = (long)channels * height * width;
        long outPerImage = (long)channels * layout.OutputPerPlane;
        if (Math.Max(inPerImage, outPerImage) > Array.MaxLength)
            throw new ScatException($"images of {height}x{width} are too large for one transform");
        int batch = (int)Math.Min(o.BatchSize, Math.Max(1, Array.MaxLength / Math.Max(inPerImage, outPerImage)));
        // Two input buffers: while batch k is transformed and written, the decode workers fill batch k + 1.
        var inputs = new[] { new float[batch * inPerImage], new float[batch * inPerImage] };
        var output = new float[batch * outPerImage];
        var pooled = o.Pool == PoolMode.None ? null : new float[batch * channels * layout.K];
        var slots = new Slot[batch];
        var jobs = new[] { new DecodeWorkers.Job<Slot>[batch], new DecodeWorkers.Job<Slot>[batch] };
        var labels = new long[batch];
        var paths = new List<string>(batch);

        void SubmitBatch(int start, int buffer)
        {
            int count = Math.Min(batch, items.Count - start);
            var target = inputs[buffer];
            for (int i = 0; i < count; i++)
            {
                var item = items[start + i];
                int offset = i * (int)inPerImage;
                jobs[buffer][i] = workers.Submit(
                    token => decoder.Decode(item.FullPath, token),
                    image => CopyInto(image, height, width, target, offset, (int)inPerImage),
                    cancellationToken);
            }
        }

        if (items.Count > 0) SubmitBatch(0, 0);
        for (int start = 0, k = 0; start < items.Count; start += batch, k++)
        {
            int n = Math.Min(batch, items.Count - start);
            var input = inputs[k & 1];
            if (start + batch < items.Count) SubmitBatch(start + batch, (k + 1) & 1);
            for (int i = 0; i < n; i++)
            {
                try { slots[i] = workers.Wait(jobs[k & 1][i], cancellationToken); }
                catch (ImageDecodeException e) { slots[i] = new Slot(0, 0, e.Message); }
                jobs[k & 1][i] = null!;
            }

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

        if (writer.Count == 0) throw AllSkipped(run);
        run.WriteSkippedList(); // first: if it cannot be written, the run fails with no output in place
        writer.Complete();
        clock.Stop();
        if (!o.Quiet)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{writer.Count} images, {run.Skipped} skipped, in {clock.Elapsed.TotalSeconds:0.0} s"));
        return new ExtractResult(writer.Count, run.Skipped, clock.Elapsed, engine.Description);
    }

    private readonly record struct Slot(int Height, int Width, string? Reason);

    /// <summary>The finish of a decode job: copy the planes when the size is the run's (a mismatch is reported in order).</summary>
    private static Slot CopyInto(DecodedImage image, int height, int width, float[] input, int offset, int length)
    {
        using (image)
        {
            if (image.Height == height && image.Width == width) image.CopyPlanes(input.AsSpan(offset, length));
            return new Slot(image.Height, image.Width, null);
        }
    }

    /// <summary>Without --size, the first image that decodes sets the size; undecodable ones before it are skipped.</summary>
    private (List<ImageItem>, int, int) FindReferenceSize(IReadOnlyList<ImageItem> all, ImageDecoder decoder, DecodeWorkers workers,
        RunState run, CancellationToken cancellationToken)
    {
        if (_options.Resize is { } r) return (all.ToList(), r.Height, r.Width);
        for (int i = 0; i < all.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = all[i].FullPath;
            try
            {
                var job = workers.Submit(token => decoder.Decode(path, token), static image =>
                {
                    using (image) return (image.Height, image.Width);
                }, cancellationToken);
                var (h, w) = workers.Wait(job, cancellationToken);
                return (all.Skip(i).ToList(), h, w);
            }
            catch (ImageDecodeException e)
            {
                run.Skip(all[i], e.Message);
                run.Done(1);
            }
        }
        throw AllSkipped(run);
    }

    /// <summary>For standard output the header needs N first: read every image's header, skip the unreadable.</summary>
    private (List<ImageItem>, int, int) IdentifyAll(IReadOnlyList<ImageItem> all, ImageDecoder decoder, DecodeWorkers workers, RunState run,
        CancellationToken cancellationToken)
    {
        var sizes = new (int H, int W, string? Reason)[all.Count];
        // Bounded look-ahead so that a long listing does not queue every job at once.
        var pending = new Queue<(int Index, DecodeWorkers.Job<(int, int)> Job)>();
        int window = Math.Max(4, 4 * _options.Threads);
        for (int next = 0; next < all.Count || pending.Count > 0;)
        {
            if (next < all.Count && pending.Count < window)
            {
                var path = all[next].FullPath;
                pending.Enqueue((next, workers.Submit<(int, int), (int, int)>(_ => decoder.Identify(path), static s => s, cancellationToken)));
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
                run.Skip(all[i], reason);
                run.Done(1);
                continue;
            }
            if (kept.Count == 0) (height, width) = (sizes[i].H, sizes[i].W);
            else if (sizes[i].H != height || sizes[i].W != width)
                throw new ScatException(MixedSizes(all[i], sizes[i].H, sizes[i].W, height, width));
            kept.Add(all[i]);
        }
        if (kept.Count == 0) throw AllSkipped(run);
        return (kept, height, width);
    }

    private static string MixedSizes(ImageItem item, int h, int w, int height, int width) =>
        $"{item.FullPath} is {h}x{w} but the images before it are {height}x{width}; all images must have one size: use --size to resize them";

    /// <summary>A run where every file was skipped fails (after writing the --skipped list).</summary>
    private static ScatException AllSkipped(RunState run)
    {
        run.WriteSkippedList();
        return new ScatException($"no image could be decoded ({run.Skipped} file{(run.Skipped == 1 ? "" : "s")} skipped)");
    }

    /// <summary>An IOException's message without the " : 'PATH'" that .NET appends (the path is named already).</summary>
    private static string OneClause(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        int at = line.IndexOf(" : '", StringComparison.Ordinal);
        return at > 0 ? line[..at] : line;
    }

    private sealed class RunState(TextWriter stderr, ExtractOptions options, int total, Action<ExtractProgress>? progress)
    {
        private int _done;
        public int Skipped { get; private set; }

        private readonly List<(string Path, string Reason)> _skipped = [];

        public void Skip(ImageItem item, string reason)
        {
            reason = OneLine(reason);
            if (options.Strict) throw new ScatException($"cannot decode {item.FullPath}: {reason} (--strict)");
            Skipped++;
            if (options.SkippedList is not null) _skipped.Add((item.FullPath, reason));
            if (!options.Quiet) stderr.WriteLine($"skipped {item.FullPath}: {reason}");
        }

        /// <summary>
        /// Writes the --skipped list: one line PATH TAB REASON per skipped file, UTF-8, in listing order; a
        /// backslash, tab, newline or carriage return in a path or reason is written \\, \t, \n, \r.
        /// Written through a temporary file renamed into place, like the output.
        /// </summary>
        public void WriteSkippedList()
        {
            if (options.SkippedList is not { } list) return;
            try
            {
                using var target = new OutputTarget(list);
                using (var text = new StreamWriter(target.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true))
                {
                    text.NewLine = "\n";
                    foreach (var (path, reason) in _skipped) text.WriteLine($"{Escape(path)}\t{Escape(reason)}");
                }
                target.Commit();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ScatException($"cannot write {list} (--skipped): {OneClause(e.Message)}", e);
            }
        }

        private static string Escape(string s) =>
            s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

        private static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

        public void Done(int count)
        {
            _done += count;
            progress?.Invoke(new ExtractProgress(_done, total, Skipped));
        }
    }
}
