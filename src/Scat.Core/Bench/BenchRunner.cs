using System.Diagnostics;
using Scat.Backends;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Transform;

namespace Scat.Bench;

/// <summary>One measured configuration.</summary>
/// <param name="Mode">"host" (host memory to host memory), "device" (input and output already on the GPU) or "end-to-end".</param>
public sealed record BenchResult(
    string Device, string Mode, int Batch, int Channels, int Height, int Width, int J, int L, int Order,
    double MedianSeconds, double MinSeconds, MachineInfo Machine)
{
    public double ImagesPerSecond => Batch / MedianSeconds;
    /// <summary>For end-to-end runs: seconds spent decoding, transforming and writing (all images).</summary>
    public double? DecodeSeconds { get; init; }
    public double? TransformSeconds { get; init; }
    public double? WriteSeconds { get; init; }
    /// <summary>For end-to-end runs: the feeding rate, images per second of listing, decode, resize and batching
    /// with no transform (<see cref="BenchRunner.Feed"/>): the most any device can get out of these files here.</summary>
    public double? FeedImagesPerSecond { get; init; }
    /// <summary>For end-to-end runs: the stage with the lowest rate — "feed", "transform" or "write".</summary>
    public string? BoundBy { get; init; }
    /// <summary>For in-memory runs: seconds to build the size's filter bank (once per size and process, not timed with the batches).</summary>
    public double? BankSeconds { get; init; }
}

/// <summary>Everything <c>scat bench</c> is asked to do.</summary>
public sealed record BenchOptions
{
    public static readonly IReadOnlyList<(int Height, int Width)> DefaultSizes = [(32, 32), (128, 128), (256, 256)];

    public DeviceSpec Device { get; init; } = new(DeviceKind.Cpu, 0);
    /// <summary>The sizes timed in memory (none given: <see cref="DefaultSizes"/>); end-to-end, the one --size (none: the images' own).</summary>
    public IReadOnlyList<(int Height, int Width)> Sizes { get; init; } = [];
    public int BatchSize { get; init; } = 128;
    public int Channels { get; init; } = 3;
    public int J { get; init; } = 2;
    public int L { get; init; } = 8;
    public int Order { get; init; } = 2;
    public int Repeat { get; init; } = 5;
    public int Warmup { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Padding of the transform; the steps after it are timed with the transform in host and end-to-end modes.</summary>
    public CoefficientOptions Coefficients { get; init; } = CoefficientOptions.Default;
    /// <summary>--pool, timed as the last step but one (before --log), as extract runs it; null: none.</summary>
    public PoolMode? Pool { get; init; }
    /// <summary>--end-to-end INPUT: time the whole extract path on it instead of an in-memory batch.</summary>
    public string? Input { get; init; }
    /// <summary>--fit and --decode of the end-to-end run; null: extract's defaults (crop, scaled).</summary>
    public FitMode? Fit { get; init; }
    public DecodeMode? Decode { get; init; }
    /// <summary>One JSON object per line and configuration instead of the table (how the command reports).</summary>
    public bool Json { get; init; }

    /// <summary>The sizes the in-memory mode times.</summary>
    public IReadOnlyList<(int Height, int Width)> TimedSizes => Sizes.Count == 0 ? DefaultSizes : Sizes;

    /// <summary>The end-to-end run's --size and --fit; null: the images' own size.</summary>
    public ResizeSpec? Resize => Sizes is [var (h, w)] ? new ResizeSpec(h, w, Fit ?? FitMode.Crop) : null;

    /// <summary>Every rule of the options, in one place; throws <see cref="ScatUsageException"/> on the first broken one.</summary>
    public void Validate()
    {
        OptionRules.TransformShape(J, L, Order);
        OptionRules.AtLeastOne("--batch-size", BatchSize);
        OptionRules.AtLeastOne("--repeat", Repeat);
        if (Warmup < 0) throw new ScatUsageException($"--warmup must be 0 or more, got {Warmup}");
        OptionRules.AtLeastOne("--threads", Threads);
        foreach (var (h, w) in Input is null ? TimedSizes : Sizes)
        {
            if (OptionRules.ImageSizeProblem(h, w, J, L, Order, resized: true) is { } problem) throw new ScatUsageException(problem);
            // The in-memory batch: one input and one output sub-batch (end to end, extract's own Validate checks its --size).
            if (Input is null && BatchBudget.Problem($"--size {h}x{w}", "a smaller --size", h, w, J, L, Order, Channels, BatchSize, Threads,
                    Device.Kind, 1, 1) is { } memory)
                throw new ScatUsageException(memory);
        }
        if (Input is null && (Fit is not null || Decode is not null))
            throw new ScatUsageException("--fit and --decode go with --end-to-end (an in-memory batch is not decoded)");
        if (Input is not null && Sizes.Count > 1) throw new ScatUsageException("--end-to-end takes at most one --size (the images are resized to it)");
    }
}

/// <summary>
/// Times the transform of a random batch held in memory (decode excluded), like the paper's table, and the
/// whole extract path on real files (decode, transform, write).
/// </summary>
public static class BenchRunner
{
    public static IEnumerable<BenchResult> Run(BenchOptions o, CancellationToken cancellationToken = default)
    {
        foreach (var (h, w) in o.TimedSizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layout = new ScatteringLayout(h, w, o.J, o.L, o.Order, o.Coefficients.Padding);
            var steps = new CoefficientSteps(layout, o.Coefficients, o.Pool ?? PoolMode.None);
            // The filter bank is built once per size and process (the engine takes it from there): its build is timed
            // apart, never with the batches.
            var bankClock = Stopwatch.StartNew();
            FilterBank.For(layout);
            double bankSeconds = bankClock.Elapsed.TotalSeconds;
            // The batch runs as sub-batches of bounded memory (as extract's batches): the time is the whole batch's.
            int sub = BatchBudget.ImagesPerBatch(layout, o.Channels, o.BatchSize);
            using var engine = EngineFactory.Create(o.Device, layout, o.Threads, sub * o.Channels);
            var x = RandomPlanes(sub * o.Channels * h * w, seed: h * 7919 + w);
            var y = new float[sub * o.Channels * layout.OutputPerPlane];
            var machine = MachineInfo.Current(o.Device.Kind == DeviceKind.Cuda ? engine.Description : null);
            string device = o.Device.ToString();

            var host = Measure(o, () =>
            {
                for (int done = 0; done < o.BatchSize; done += sub)
                {
                    int planes = Math.Min(sub, o.BatchSize - done) * o.Channels;
                    var maps = y.AsSpan(0, planes * layout.OutputPerPlane);
                    engine.Transform(x.AsSpan(0, planes * h * w), planes, maps, cancellationToken);
                    steps.Apply(maps, planes);
                }
            });
            if (engine is IDeviceTiming timing)
            {
                var onDevice = Measure(o, () =>
                {
                    double seconds = 0;
                    for (int done = 0; done < o.BatchSize; done += sub)
                        seconds += timing.TimeOnDevice(x, Math.Min(sub, o.BatchSize - done) * o.Channels);
                    return seconds;
                });
                yield return Result(o, device, "device", h, w, onDevice, machine) with { BankSeconds = bankSeconds };
            }
            yield return Result(o, device, "host", h, w, host, machine) with { BankSeconds = bankSeconds };
        }
    }

    private static BenchResult Result(BenchOptions o, string device, string mode, int h, int w, List<double> times, MachineInfo machine)
    {
        times.Sort();
        return new BenchResult(device, mode, o.BatchSize, o.Channels, h, w, o.J, o.L, o.Order, times[times.Count / 2], times[0], machine);
    }

    private static List<double> Measure(BenchOptions o, Action run) => Measure(o, () => { var sw = Stopwatch.StartNew(); run(); return sw.Elapsed.TotalSeconds; });

    private static List<double> Measure(BenchOptions o, Func<double> run)
    {
        for (int i = 0; i < o.Warmup; i++) run();
        var times = new List<double>(o.Repeat);
        for (int i = 0; i < Math.Max(1, o.Repeat); i++) times.Add(run());
        return times;
    }

    internal static float[] RandomPlanes(int count, int seed)
    {
        var r = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = r.NextSingle();
        return x;
    }

    /// <summary>
    /// The extract path on real files, through the very stages of <c>scat extract</c> (to a temporary NPY): the
    /// time is the whole run's; decode, transform and write are the time each stage was busy on its thread
    /// (they overlap, so they may add up to more than the total).
    /// </summary>
    public static BenchResult EndToEnd(BenchOptions o, CancellationToken cancellationToken = default)
    {
        string folder = o.Input ?? throw new ArgumentException("no --end-to-end input", nameof(o));
        if (!Directory.Exists(folder) && !File.Exists(folder) && folder.IndexOfAny(['*', '?', '{']) < 0 && folder != "-")
            throw new ScatException($"{folder}: no such folder or file");
        string temp = Path.Combine(Path.GetTempPath(), $"scat-bench-{Environment.ProcessId}.npy");
        var options = new ExtractOptions
        {
            Inputs = [folder], Output = temp, J = o.J, L = o.L, Order = o.Order, Resize = o.Resize, Device = o.Device,
            Color = o.Channels == 1 ? ColorMode.Gray : ColorMode.Rgb, BatchSize = o.BatchSize, Threads = o.Threads, Quiet = true,
            Coefficients = o.Coefficients, Pool = o.Pool ?? PoolMode.None, Decode = o.Decode ?? DecodeMode.Scaled,
        };
        options.Validate(); // the input kind's own rules (e.g. no --size for arrays), before the listing
        // Any input extract reads (folder, tar shards, Parquet table, array), listed before the clock starts.
        var source = new ExtractPipeline(options).SourceFor(options, cancellationToken);
        ExtractResult result;
        int fed;
        double feedSeconds;
        try
        {
            var listing = source.List();
            if (listing.Items.Count == 0) throw new ScatException($"{folder}: no images found");
            result = new ExtractPipeline(options) { Source = new FixedSource(source, listing) }.Run(TextWriter.Null, cancellationToken);
            // The feed after the run, on the same images: both the run's and the feed's decodes then find the files read
            // and the decoder compiled (the run's own start pays for that), so the feed is not slowed by a cold start.
            (fed, feedSeconds) = Feed(new FixedSource(source, listing), options, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
            (source as IDisposable)?.Dispose();
        }
        var size = result.ImageSize;

        double total = result.Elapsed.TotalSeconds;
        var machine = MachineInfo.Current(o.Device.Kind == DeviceKind.Cuda ? result.Device : null);
        double transformSeconds = result.StageTimes.Transform.TotalSeconds, writeSeconds = result.StageTimes.Write.TotalSeconds;
        double feedRate = fed / feedSeconds;
        // The bound: the stage with the lowest rate on its own (feed measured without a transform, the transform and
        // the write by their busy time in the run).
        var rates = new (string Stage, double Rate)[]
        {
            ("feed", feedRate),
            ("transform", result.Written / Math.Max(transformSeconds, 1e-9)),
            ("write", result.Written / Math.Max(writeSeconds, 1e-9)),
        };
        return new BenchResult(o.Device.ToString(), "end-to-end", (int)result.Written, result.Channels, size.Height, size.Width, o.J, o.L, o.Order, total, total, machine)
        {
            DecodeSeconds = result.StageTimes.Decode.TotalSeconds,
            TransformSeconds = transformSeconds,
            WriteSeconds = writeSeconds,
            FeedImagesPerSecond = feedRate,
            BoundBy = rates.MinBy(r => r.Rate).Stage,
        };
    }

    /// <summary>
    /// The feeding rate: the run's listing, size probe and decode stage (the very <see cref="DecodeStage"/>, source,
    /// decoder and workers of <c>scat extract</c>, batches into pooled buffers), with each batch handed straight back
    /// instead of transformed and written. Returns the images decoded and the wall time from the listing on.
    /// </summary>
    internal static (int Images, double Seconds) Feed(IImageSource source, ExtractOptions o, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var items = source.List().Items;
        var decoder = new ImageDecoder(o.Color, o.Resize, maxPixels: o.MaxPixels, decode: o.Decode);
        using var workers = new DecodeWorkers(o.Threads, o.DecodeTimeout, ExtractPipeline.MaxAbandonedDecodes);
        var report = new RunReport(TextWriter.Null, o, items.Count, null);
        int channels = source.Channels(decoder);
        var imageProblem = ExtractPipeline.ImageProblem(o, channels, o.Device.Kind);
        var (kept, height, width, varying) = new SizeProbe(source, decoder, workers, report, o.Threads, imageProblem)
            .Find(items, identifyAll: false, oneSize: false, cancellationToken);
        int perImage = channels * height * width;
        using var inputs = new BufferPool<float[]>(3, () => new float[o.BatchSize * perImage]);
        var decode = new DecodeStage(source, decoder, workers, inputs, o.BatchSize, channels, height, width, toStandardOutput: false,
            varying ? imageProblem : null);
        int images = 0;
        decode.Run(kept, batch =>
        {
            images += batch.Kept;
            inputs.Return(batch.Input!);
            if (batch.Failure is { } failure) throw failure;
        }, cancellationToken);
        clock.Stop();
        if (images == 0) throw report.AllSkipped();
        return (images, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A source whose listing was made already (to check it is not empty before the run).</summary>
    private sealed class FixedSource(IImageSource source, ImageListing listing) : IImageSource
    {
        public ImageListing List() => listing;
        public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken) => source.Open(item, decoder, cancellationToken);
        public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder) => source.Identify(item, decoder);
        public int Channels(ImageDecoder decoder) => source.Channels(decoder);
    }
}
