using System.Diagnostics;
using Scat.Backends;
using Scat.Input;
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
}

public sealed record BenchOptions
{
    public DeviceSpec Device { get; init; } = new(DeviceKind.Cpu, 0);
    public IReadOnlyList<(int Height, int Width)> Sizes { get; init; } = [(32, 32), (128, 128), (256, 256)];
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
}

/// <summary>
/// Times the transform of a random batch held in memory (decode excluded), like the paper's table, and the
/// whole extract path on real files (decode, transform, write).
/// </summary>
public static class BenchRunner
{
    public static IEnumerable<BenchResult> Run(BenchOptions o, CancellationToken cancellationToken = default)
    {
        foreach (var (h, w) in o.Sizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layout = new ScatteringLayout(h, w, o.J, o.L, o.Order, o.Coefficients.Padding);
            var steps = new CoefficientSteps(layout, o.Coefficients, Pipeline.PoolMode.None);
            using var engine = EngineFactory.Create(o.Device, layout, o.Threads);
            int planes = o.BatchSize * o.Channels;
            var x = RandomPlanes(planes * h * w, seed: h * 7919 + w);
            var y = new float[planes * layout.OutputPerPlane];
            var machine = MachineInfo.Current(o.Device.Kind == DeviceKind.Cuda ? engine.Description : null);
            string device = o.Device.ToString();

            var host = Measure(o, () =>
            {
                engine.Transform(x, planes, y, cancellationToken);
                if (!steps.IsIdentity) steps.Apply(y, planes);
            });
            if (engine is IDeviceTiming timing)
            {
                var onDevice = Measure(o, () => timing.TimeOnDevice(x, planes));
                yield return Result(o, device, "device", h, w, onDevice, machine);
            }
            yield return Result(o, device, "host", h, w, host, machine);
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
    /// The extract path on real files: decode every image (in parallel), transform in batches, write an NPY
    /// to a temporary file; each phase timed on its own so a user sees which one bounds the run.
    /// </summary>
    public static BenchResult EndToEnd(string folder, BenchOptions o, ResizeSpec? resize, CancellationToken cancellationToken = default)
    {
        var listing = ImageListing.Build([folder]);
        if (listing.Items.Count == 0) throw new ScatException($"{folder}: no images found");
        var decoder = new ImageDecoder(o.Channels == 1 ? ColorMode.Gray : ColorMode.Rgb, resize);
        var items = listing.Items;

        var sw = Stopwatch.StartNew();
        var decoded = new float[items.Count][];
        var sizes = new (int H, int W)[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = o.Threads, CancellationToken = cancellationToken }, i =>
        {
            try
            {
                using var image = decoder.Decode(items[i].FullPath, cancellationToken);
                var planes = new float[image.Channels * image.Height * image.Width];
                image.CopyPlanes(planes);
                decoded[i] = planes;
                sizes[i] = (image.Height, image.Width);
            }
            catch (ImageDecodeException) { } // skipped, as extract would
        });
        double decodeSeconds = sw.Elapsed.TotalSeconds;

        var ok = Enumerable.Range(0, items.Count).Where(i => decoded[i] is not null).ToList();
        if (ok.Count == 0) throw new ScatException($"{folder}: no image could be decoded");
        var (h, w) = sizes[ok[0]];
        if (ok.Any(i => sizes[i] != (h, w)))
            throw new ScatException($"{folder}: images of several sizes; give --size to resize them for the end-to-end run");
        if (ScatteringLayout.Problem(h, w, o.J, o.L, o.Order) is { } problem)
            throw new ScatException(resize is null ? $"{problem}; give --size to resize the images" : problem);
        var layout = new ScatteringLayout(h, w, o.J, o.L, o.Order, o.Coefficients.Padding);
        var steps = new CoefficientSteps(layout, o.Coefficients, Pipeline.PoolMode.None);
        using var engine = EngineFactory.Create(o.Device, layout, o.Threads);
        int c = decoder.Channels, inPer = c * h * w, outPer = c * layout.OutputPerPlane;
        string temp = Path.Combine(Path.GetTempPath(), $"scat-bench-{Environment.ProcessId}.npy");
        double transformSeconds = 0, writeSeconds = 0;
        try
        {
            using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            var input = new float[o.BatchSize * inPer];
            var output = new float[o.BatchSize * outPer];
            for (int start = 0; start < ok.Count; start += o.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(o.BatchSize, ok.Count - start);
                for (int i = 0; i < n; i++) decoded[ok[start + i]].CopyTo(input, i * inPer);
                sw.Restart();
                engine.Transform(input.AsSpan(0, n * inPer), n * c, output.AsSpan(0, n * outPer), cancellationToken);
                var features = steps.Apply(output.AsSpan(0, n * outPer), n * c);
                transformSeconds += sw.Elapsed.TotalSeconds;
                sw.Restart();
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(features));
                writeSeconds += sw.Elapsed.TotalSeconds;
            }
            sw.Restart();
            file.Flush(flushToDisk: false);
            writeSeconds += sw.Elapsed.TotalSeconds;
        }
        finally { File.Delete(temp); }

        double total = decodeSeconds + transformSeconds + writeSeconds;
        var machine = MachineInfo.Current(o.Device.Kind == DeviceKind.Cuda ? engine.Description : null);
        return new BenchResult(o.Device.ToString(), "end-to-end", ok.Count, c, h, w, o.J, o.L, o.Order, total, total, machine)
        {
            DecodeSeconds = decodeSeconds,
            TransformSeconds = transformSeconds,
            WriteSeconds = writeSeconds,
        };
    }
}
