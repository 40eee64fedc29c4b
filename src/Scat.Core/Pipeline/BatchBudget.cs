using System.Globalization;
using Scat.Backends;
using Scat.Backends.Cpu;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// The memory of a transform, in one place: how many images one batch holds (the requested count, fewer when one
/// batch's input planes and coefficient maps would take more than <see cref="Bytes"/>, so that memory stays bounded at
/// large sizes whatever <c>--batch-size</c> says, or would not fit in one array), and the working set of a layout
/// (<see cref="Estimate"/>), which must stay within <see cref="Bound"/>: a <c>--size</c>, <c>--tile</c> or
/// <c>scat bench --size</c> over it is refused before any work, an image at its own size over it is skipped. Used by
/// <c>extract</c> (its batch buffers, <see cref="ExtractOptions.Validate"/>, each image's size) and <c>bench</c> (its
/// sub-batches, its options' Validate).
/// </summary>
public static class BatchBudget
{
    /// <summary>Bytes of one batch's input and output (float32), at most: 1 GiB (13 RGB images at 1024², 53 at 512²).</summary>
    public const long Bytes = 1L << 30;

    /// <summary>The most memory one transform's working set may take: 16 GiB, or less where the machine (or the
    /// process's memory limit, e.g. a container's or <c>DOTNET_GCHeapHardLimit</c>) has less.</summary>
    public const long MaxBound = 16L << 30;

    /// <summary>The memory bound of this process: the smaller of <see cref="MaxBound"/> and the memory the runtime may use.</summary>
    public static long Bound { get; } = BoundFor(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>The bound on a machine (or under a limit) of <paramref name="availableBytes"/> (0 or less: unknown).</summary>
    internal static long BoundFor(long availableBytes) => availableBytes > 0 ? Math.Min(MaxBound, availableBytes) : MaxBound;

    /// <summary>A side longer than this is refused outright (its plane alone passes any bound; the layout's sizes would overflow).</summary>
    private const int MaxSide = 1 << 24;

    public static int ImagesPerBatch(ScatteringLayout layout, int channels, int requested)
    {
        long inPerImage = (long)channels * layout.Height * layout.Width;
        long outPerImage = channels * OutputPerPlane(layout);
        if (Math.Max(inPerImage, outPerImage) > Array.MaxLength)
            throw new ScatException($"images of {layout.Height}x{layout.Width} are too large for one transform");
        return FitIn(inPerImage, outPerImage, requested);
    }

    private static int FitIn(long inPerImage, long outPerImage, int requested)
    {
        long byArray = Array.MaxLength / Math.Max(inPerImage, outPerImage);
        long byBytes = Bytes / ((inPerImage + outPerImage) * sizeof(float));
        return (int)Math.Max(1, Math.Min(requested, Math.Min(byArray, byBytes)));
    }

    /// <summary>K · H' · W' without overflow (<see cref="ScatteringLayout.OutputPerPlane"/> is an int).</summary>
    private static long OutputPerPlane(ScatteringLayout layout) => (long)layout.K * layout.OutHeight * layout.OutWidth;

    /// <summary>
    /// The parts of a transform's working set, in bytes. <see cref="Peak"/> is their sum: the build's temporaries are
    /// garbage once the bank is built, but the collector need not return them before the engine's buffers are allocated
    /// (measured: <c>scat bench --size 6000</c> reached the sum, 18.8 GB resident, on a machine with memory to spare).
    /// </summary>
    /// <param name="Bank">The filter bank's float32 filters (<see cref="FilterBank.Bytes"/>).</param>
    /// <param name="BankBuild">The bank's double-precision build: its temporaries for the wavelets built at once.</param>
    /// <param name="Engine">The CPU engine's lane groups (one per thread that has planes to run), or a GPU's host staging.</param>
    /// <param name="Batches">The batch buffers (input planes and coefficient maps) of every buffer in flight.</param>
    /// <param name="Images">Images per batch (<see cref="ImagesPerBatch"/>).</param>
    /// <param name="Groups">CPU lane groups (0 on a GPU).</param>
    public readonly record struct WorkingSet(long Bank, long BankBuild, long Engine, long Batches, int Images, int Groups)
    {
        public long Peak => Bank + BankBuild + Engine + Batches;
    }

    /// <summary>
    /// The working set of transforming images of <paramref name="layout"/>'s size with these settings: what the CPU engine
    /// (or, for <see cref="DeviceKind.Cuda"/>, the host side of the GPU engine), the filter bank and the batch buffers
    /// allocate (decoding is bounded apart, by <c>--max-pixels</c> and the threads). The one estimate: see
    /// <see cref="Problem"/>. A test checks each part against the arrays the engine, the bank and the pipeline allocate.
    /// </summary>
    /// <param name="inputBuffers">Input batches in flight (extract: <see cref="ExtractPipeline.InputBuffers"/>; bench: 1).</param>
    /// <param name="outputBuffers">Output batches in flight (extract: <see cref="ExtractPipeline.OutputBuffers"/>; bench: 1).</param>
    public static WorkingSet Estimate(ScatteringLayout layout, int channels, int batchSize, int threads, DeviceKind device,
        int inputBuffers, int outputBuffers)
    {
        long inPerImage = (long)channels * layout.Height * layout.Width;
        long outPerImage = channels * OutputPerPlane(layout);
        // A batch holds at least one image (if even one is past an array's size, the estimate says what it would need).
        int images = FitIn(inPerImage, outPerImage, Math.Max(1, batchSize));
        long planes = (long)images * channels;
        long batches = (inputBuffers * images * inPerImage + outputBuffers * (images * outPerImage + planes * layout.K)) * sizeof(float);
        long engine;
        int groups = 0;
        if (device == DeviceKind.Cuda)
            engine = 2 * images * (inPerImage + outPerImage) * sizeof(float); // CudaEngine's two pinned input and output slots
        else
        {
            var plan = LanePlan.For(layout);
            groups = (int)Math.Min(Math.Max(1, threads), (planes + plan.Lanes - 1) / plan.Lanes);
            engine = groups * LaneGroupBytes(layout, plan.Lanes);
        }
        return new WorkingSet(BankBytes(layout), BankBuildBytes(layout), engine, batches, images, groups);
    }

    /// <summary>The float arrays of one CPU lane group (<c>LaneSizes</c>, which <c>LaneMemory</c> allocates).</summary>
    internal static long LaneGroupBytes(ScatteringLayout layout, int lanes) => LaneSizes.Of(layout, lanes).Bytes;

    /// <summary>The bank's filters. Mirrors <see cref="FilterBank"/> (<c>Transform/FilterBank.cs</c>): ψ(j, θ) at
    /// resolutions r &lt; min(j + 1, max(J − 1, 1)), φ at r = 0..J−1, each (Hp / 2^r) × (Wp / 2^r) floats.</summary>
    internal static long BankBytes(ScatteringLayout layout)
    {
        long Level(int r) => (long)(layout.PaddedHeight >> r) * (layout.PaddedWidth >> r);
        long floats = 0;
        for (int j = 0; j < layout.J; j++)
            for (int r = 0; r < Math.Min(j + 1, Math.Max(layout.J - 1, 1)); r++) floats += layout.L * Level(r);
        for (int r = 0; r < layout.J; r++) floats += Level(r);
        return floats * sizeof(float);
    }

    /// <summary>Bytes of Hp·Wp-sized temporaries one wavelet's build holds. Mirrors <see cref="FilterBank"/>'s
    /// constructor: Morlet's filter and envelope (complex double, 16 bytes each), the real part of its DFT (8) and the
    /// masked copy that each resolution is folded from (8).</summary>
    internal const int BuildBytesPerPixel = 16 + 16 + 8 + 8;

    /// <summary>The bank's build: the wavelets are built in parallel (one per core, J·L at most), each with its temporaries.</summary>
    internal static long BankBuildBytes(ScatteringLayout layout) =>
        Math.Min(Environment.ProcessorCount, layout.J * layout.L) * (long)BuildBytesPerPixel * layout.PaddedHeight * layout.PaddedWidth;

    /// <summary>
    /// Why images of <paramref name="height"/> × <paramref name="width"/> cannot be transformed within <see cref="Bound"/>
    /// with these settings, or null (the size must pass <see cref="ScatteringLayout.Problem"/> first): one line, after
    /// <paramref name="what"/> (e.g. "--size 6000x6000"), with the estimate, its parts and the ways out (<paramref name="size"/>,
    /// e.g. "a smaller --size", then --batch-size and --threads where they would lower it).
    /// </summary>
    public static string? Problem(string what, string size, int height, int width, int j, int l, int order, int channels, int batchSize,
        int threads, DeviceKind device, int inputBuffers, int outputBuffers)
    {
        if (height > MaxSide || width > MaxSide)
            return $"{what} is far too large to transform: a side over {MaxSide} pixels (the memory bound is {GiB(Bound)}): use {size}";
        var set = Estimate(new ScatteringLayout(height, width, j, l, order), channels, batchSize, threads, device, inputBuffers, outputBuffers);
        if (set.Peak <= Bound) return null;
        string engine = device == DeviceKind.Cuda ? "GPU staging" : "CPU lane buffers";
        var ways = new List<string> { size };
        if (set.Images > 1) ways.Add($"a --batch-size below {set.Images}");
        if (set.Groups > 1) ways.Add($"fewer than {set.Groups} --threads");
        string advice = ways.Count == 1 ? ways[0] : string.Join(", ", ways.Take(ways.Count - 1)) + " or " + ways[^1];
        return $"{what} needs about {GiB(set.Peak)} to transform (filter bank {GiB(set.Bank)}, its build {GiB(set.BankBuild)}, " +
               $"{engine} {GiB(set.Engine)}, batch buffers {GiB(set.Batches)}), more than the memory bound of {GiB(Bound)}: use {advice}";
    }

    private static string GiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB");
}
