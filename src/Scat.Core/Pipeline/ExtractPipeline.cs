using System.Diagnostics;
using Scat.Backends;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// The extract run, wired from its stages: source → (size probe) → decode and batch → transform → steps →
/// finiteness check → write. Decode, transform and write run at once on their own threads, joined by bounded queues, and
/// batches reach the writer in listing order. Anticipated failures throw <see cref="ScatException"/> (one line;
/// <see cref="ScatUsageException"/> for bad arguments); a failed or cancelled run leaves no output file.
/// </summary>
public sealed class ExtractPipeline
{
    private readonly ExtractOptions _options;
    private readonly Stream? _standardOutput;
    private readonly TextReader _standardInput;
    private PartedOutput? _parted;

    /// <param name="options">What to do; checked once, by <see cref="Run"/>.</param>
    /// <param name="standardOutput">Where "-o -" writes; required only then.</param>
    /// <param name="standardInput">Where "--files-from -" reads (the process's by default).</param>
    public ExtractPipeline(ExtractOptions options, Stream? standardOutput = null, TextReader? standardInput = null)
    {
        _options = options;
        _standardOutput = standardOutput;
        _standardInput = standardInput ?? Console.In;
    }

    /// <summary>Called after each batch is written (from the calling thread).</summary>
    public Action<ExtractProgress>? Progress { get; init; }

    /// <summary>Say how large the output will be, before computing, when it exceeds this many bytes (not with --quiet);
    /// null: never. The command sets <see cref="LargeOutput"/> when standard error is a terminal.</summary>
    public long? AnnounceOutputOver { get; init; }

    /// <summary>An output above 1 GB is announced on a terminal.</summary>
    public const long LargeOutput = 1_000_000_000;

    /// <summary>Where the images come from; by default chosen from the options (<see cref="SourceFor"/>).</summary>
    public IImageSource? Source { get; init; }

    /// <summary>Abandoned (overrunning) decodes that may still be running before the run gives up.</summary>
    public const int MaxAbandonedDecodes = 4;

    /// <summary>Input buffers in flight: one being filled, one queued, one being transformed.</summary>
    internal const int InputBuffers = 3;
    /// <summary>Output buffers in flight: one being transformed, one being written.</summary>
    internal const int OutputBuffers = 2;

    /// <summary>
    /// The one place that chooses the source: the --files-from list; else, from the INPUT names after brace and glob
    /// expansion, tar shards (.tar, .tar.gz, .tgz, or - for one tar on standard input), Parquet image tables (.parquet,
    /// .pq), numpy arrays (.npy, .npz), or folders and image files. One kind per run. Over tar shards --shard picks
    /// whole shards here (the source lists only those).
    /// </summary>
    /// <param name="cancellationToken">Stops a long listing pass (tar shards, Parquet tables) at an interrupt.</param>
    public IImageSource SourceFor(ExtractOptions o, CancellationToken cancellationToken = default)
    {
        if (o.FilesFrom is { } list) return FileListSource.FromFile(list, _standardInput, o.ClassesFromParent);
        var inputs = InputPatterns.Expand(o.Inputs);
        switch (InputKinds.Of(inputs))
        {
            case InputKind.Tar:
                if (o.Shard is { } shard)
                {
                    var (first, end) = shard.Range(inputs.Count);
                    if (first == end) throw new ScatException($"shard {shard} holds no tar shard: the input has only {inputs.Count}");
                    inputs = inputs.Skip(first).Take(end - first).ToList();
                }
                return new TarShardSource(inputs, o.ImageExtension) { Cancellation = cancellationToken, Sharded = o.Shard is not null };
            case InputKind.Parquet: return new ParquetTableSource(inputs, o.ImageColumn, o.LabelColumn) { Cancellation = cancellationToken };
            case InputKind.Array: return new ArraySource(inputs, o.ArrayKey);
            default: return new FolderSource(inputs);
        }
    }

    public ExtractResult Run(TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var o = _options;
        var clock = Stopwatch.StartNew();
        o.Validate();
        bool toStdout = o.Output == FeatureWriters.StandardOutput;
        if (toStdout && _standardOutput is null) throw new InvalidOperationException("no standard output stream given");
        var source = Source ?? SourceFor(o, cancellationToken); // before the device: a wrong kind of input is a usage error
        using var owned = Source is null ? source as IDisposable : null; // a source given by the caller stays the caller's
        var device = ResolveDevice(o, stderr);
        try
        {
            return Run(stderr, source, toStdout, device, clock, cancellationToken);
        }
        catch (OperationCanceledException e) when (_parted is not null && cancellationToken.IsCancellationRequested)
        {
            throw _parted.Interrupted(e); // the finished parts stay, the part in flight was deleted
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot write {(toStdout ? "standard output" : o.OutputPath)}: {Messages.FirstClause(e.Message)}", e);
        }
    }

    private ExtractResult Run(TextWriter stderr, IImageSource source, bool toStdout, DeviceSpec device, Stopwatch clock,
        CancellationToken cancellationToken)
    {
        var o = _options;
        var listing = source.List();
        OutputGuard.CheckNotInputs(o, listing); // before the folder's lock and anything it removes
        var (selected, shardFirst) = Select(listing.Items, o, shardItems: !source.Sharded);
        // --part-size: the parts to write; with --resume only the listing positions no good part covers.
        using var parted = _parted = o.PartSize is null ? null : PartedOutput.Open(o, listing, shardFirst, selected.Count, stderr, cancellationToken);
        if (parted is { Pending.Count: 0 })
        {
            parted.MarkComplete();
            if (!o.Quiet) stderr.WriteLine($"all {parted.PartCount} parts are done ({parted.ManifestPath})");
            return new ExtractResult(parted.GoodRows, 0, clock.Elapsed, "none");
        }
        if (parted is not null && parted.Pending.Count != selected.Count) selected = parted.Pending.Select(p => selected[p]).ToList();
        var decoder = new ImageDecoder(o.Color, o.Resize, maxPixels: o.MaxPixels, decode: o.Decode);
        using var workers = new DecodeWorkers(o.Threads, o.DecodeTimeout, MaxAbandonedDecodes);
        var report = new RunReport(stderr, o, selected.Count, Progress);
        report.Start(); // the progress bar, from the first image

        // An output of one shape (unpooled .npy or .npz) needs one image size, known from the headers before any transform.
        bool oneShape = o.Pool == PoolMode.None && FeatureWriters.FormatOf(o.Output) != OutputFormat.Parquet;
        int channels = source.Channels(decoder);
        var imageProblem = ImageProblem(o, channels, device.Kind);
        // --tile: every row is a tile of one size, whatever the images' sizes (which the decode stage learns).
        var tiling = o.Tiling;
        var (items, height, width, varying) = tiling is not null ? new SizeProbe.Sizes(selected, tiling.Height, tiling.Width, false)
            : new SizeProbe(source, decoder, workers, report, o.Threads, imageProblem).Find(selected, identifyAll: toStdout, oneSize: oneShape, cancellationToken);
        // The listing position of items[i] (what parts are cut by): undecodable images before the first good one are gone.
        int leading = selected.Count - items.Count;
        Func<int, int> positionOf = parted is null ? i => leading + i : i => parted.Pending[leading + i];
        var layout = Layout(height, width, o);
        int batch = BatchBudget.ImagesPerBatch(layout, channels, o.BatchSize);
        // Images at their own sizes: on the CPU, as many sizes at once as threads (a call of one image uses one).
        int sizesAtOnce = device.Kind == DeviceKind.Cpu ? o.Threads : 1;
        using var engines = new EngineCache(l => EngineFactory.Create(device, l, o.Threads, batch * channels),
            (h, w) => new ScatteringLayout(h, w, o.J, o.L, o.Order, o.Coefficients.Padding),
            l => new CoefficientSteps(l, o.Coefficients, o.Pool), Math.Max(EngineCache.DefaultCapacity, sizesAtOnce)).Start(height, width);
        var engine = engines.First.Engine;
        var steps = engines.First.Steps;
        var metadata = new FeatureMetadata(layout, channels, listing.Classes)
        {
            Pool = o.Pool, Coefficients = o.Coefficients, ScatChannels = steps.Channels, DType = o.DType, Inputs = InputsAsGiven(o),
            Options = FeatureShaping.Of(o),
            NativeSizes = varying,
            Tile = tiling is null ? null : (tiling.Height, tiling.Width),
            TileStride = tiling is null ? null : (tiling.StrideY, tiling.StrideX),
        };
        if (AnnounceOutputOver is { } over) report.AnnounceSize(metadata, items.Count, over);
        using var writer = toStdout ? new NpyStreamFeatureWriter(_standardOutput!, items.Count)
            : parted is not null ? new PartedFeatureWriter(parted)
            : FeatureWriters.ForFile(o.OutputPath, o.Compression, overwrite: !o.NoClobber);
        writer.Begin(metadata);

        using var inputs = new BufferPool<float[]>(InputBuffers, () => new float[batch * channels * height * width]);
        using var outputs = new BufferPool<FeatureBuffer>(OutputBuffers,
            () => new FeatureBuffer(batch * channels * layout.OutputPerPlane, steps.Pools ? batch * channels * steps.K : 0));
        var decode = new DecodeStage(source, decoder, workers, inputs, batch, channels, height, width, toStdout, varying ? imageProblem : null, tiling);
        var transform = new TransformStage(engines, channels, inputs, outputs, sizesAtOnce);
        var after = new StepsStage(engines, channels);
        var finite = new FiniteStage(items, toStdout, channels * steps.K, steps.Pools);
        var write = new WriteStage(writer, report, outputs, positionOf, RowGeometry.Of(layout));

        using (var stages = new StageQueue(cancellationToken))
        {
            var decoded = stages.Start<Batch>(1, (give, token) => decode.Run(items, give, token));
            var computed = stages.Then(decoded, 1, (b, token) => { transform.Process(b, token); after.Process(b, token); finite.Process(b); });
            foreach (var b in stages.Consume(computed)) write.Process(b);
        }

        if (writer.Count == 0 && tiling is not null && report.Skipped < items.Count)
            throw new ScatException($"no image gives a tile of {Messages.Size(tiling.Height, tiling.Width)}: nothing written");
        if (writer.Count == 0) throw report.AllSkipped();
        report.WriteSkippedList(); // first: if it cannot be written, the run fails with no output in place
        write.Complete();
        clock.Stop();
        long kept = parted?.GoodRows ?? 0;
        report.Closing(writer.Count - kept, o.Resume ? kept : null, clock.Elapsed);
        return new ExtractResult(writer.Count, report.Skipped, clock.Elapsed, engine.Description)
        {
            StageTimes = (decode.Busy, transform.Busy, write.Busy),
            ImageSize = (height, width),
            Channels = channels,
        };
    }

    /// <summary>
    /// Why an image at its own size (no --size) cannot be transformed, or null: too small for J, or its working set past
    /// the memory bound (<see cref="BatchBudget.Problem"/>; then it is skipped with that reason, as a bad file is).
    /// </summary>
    internal static Func<int, int, string?> ImageProblem(ExtractOptions o, int channels, DeviceKind device) => (h, w) =>
        ScatteringLayout.Problem(h, w, o.J, o.L, o.Order)
        ?? BatchBudget.Problem(Messages.Size(h, w), "--size", h, w, o.J, o.L, o.Order, channels, o.BatchSize, o.Threads, device,
                InputBuffers, OutputBuffers);

    private static DeviceSpec ResolveDevice(ExtractOptions o, TextWriter stderr)
    {
        try
        {
            return EngineFactory.Resolve(o.Device, notice => { if (!o.Quiet) stderr.WriteLine(notice); });
        }
        catch (DeviceUnavailableException e)
        {
            throw new ScatException(e.Message, e);
        }
    }

    /// <summary>The inputs as the user gave them (recorded in the output's metadata, shown by scat info).</summary>
    private static IReadOnlyList<string> InputsAsGiven(ExtractOptions o) =>
        o.FilesFrom is { } list ? ["--files-from " + list] : o.Inputs;

    /// <summary>--limit, then --shard (unless the source sharded itself: tar shards), on the listing, and the position of
    /// the first image kept. Labels stay those of the whole listing.</summary>
    private static (IReadOnlyList<ImageItem> Items, int First) Select(IReadOnlyList<ImageItem> all, ExtractOptions o, bool shardItems)
    {
        if (o.Limit is { } limit && limit < all.Count) all = all.Take(limit).ToList();
        if (o.Shard is not { } shard || !shardItems) return (all, 0);
        var (first, end) = shard.Range(all.Count);
        if (first == end) throw new ScatException($"shard {shard} holds no image: the input has only {all.Count}");
        return (all.Skip(first).Take(end - first).ToList(), first);
    }

    private static ScatteringLayout Layout(int height, int width, ExtractOptions o)
    {
        if (OptionRules.ImageSizeProblem(height, width, o.J, o.L, o.Order, resized: o.Resize is not null) is { } problem)
            throw new ScatException(problem); // the images' own size (with --size, Validate has checked it)
        return new ScatteringLayout(height, width, o.J, o.L, o.Order, o.Coefficients.Padding);
    }

}
