using System.Globalization;
using Scat.Backends;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>Everything <c>scat extract</c> is asked to do.</summary>
public sealed record ExtractOptions
{
    /// <summary>Folders (classes are their first-level subfolders) and image files, tar shards, Parquet tables or numpy
    /// arrays (one kind per run; brace ranges and globs are expanded by scat).</summary>
    [NotFeatureShaping] // recorded apart: the manifest's inputs and listing fingerprint, the outputs' inputs
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>A .npy, .npz or .parquet path (may hold {shard}), or "-" for NPY on standard output.</summary>
    [NotFeatureShaping] // the manifest compares the part files' names
    public required string Output { get; init; }
    [FeatureShaping("J")]
    public int J { get; init; } = 2;
    [FeatureShaping("L")]
    public int L { get; init; } = 8;
    [FeatureShaping("order")]
    public int Order { get; init; } = 2;
    /// <summary>Pool each map over its positions (features (N, C, K) instead of (N, C, K, H', W')).</summary>
    [FeatureShaping("pool")]
    public PoolMode Pool { get; init; } = PoolMode.None;
    /// <summary>Padding mode, rotation invariance, renormalisation, log (issue 16); the defaults change nothing.</summary>
    [FeatureShaping] // padding, rotation_invariant, renorm, log
    public Scat.Transform.CoefficientOptions Coefficients { get; init; } = Scat.Transform.CoefficientOptions.Default;
    [FeatureShaping("color")]
    public ColorMode Color { get; init; } = ColorMode.Rgb;
    /// <summary>Resize every image to this size; null: all images must share one size.</summary>
    [NotFeatureShaping] // as size and fit, below
    public ResizeSpec? Resize { get; init; }
    /// <summary>--size as given: "N" or "HxW"; null without --size.</summary>
    [FeatureShaping("size")]
    public string? Size => Resize is { } r ? (r.Height == r.Width ? $"{r.Height}" : $"{r.Height}x{r.Width}") : null;
    /// <summary>--fit; null without --size (it then does nothing).</summary>
    [FeatureShaping("fit")]
    public FitMode? Fit => Resize?.Fit;
    [NotFeatureShaping]
    public DeviceSpec Device { get; init; } = new(DeviceKind.Auto, 0);
    [NotFeatureShaping]
    public int BatchSize { get; init; } = 64;
    [NotFeatureShaping]
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Only errors on stderr.</summary>
    [NotFeatureShaping]
    public bool Quiet { get; init; }
    /// <summary>A file that cannot be decoded fails the run instead of being skipped.</summary>
    [FeatureShaping("strict")]
    public bool Strict { get; init; }
    /// <summary>--files-from: a file of image paths ("-": standard input) to process in that order instead of <see cref="Inputs"/>.</summary>
    [NotFeatureShaping] // recorded apart, as the inputs
    public string? FilesFrom { get; init; }
    /// <summary>With <see cref="FilesFrom"/>: the class of a file is its parent folder's name.</summary>
    [FeatureShaping("classes_from_parent")]
    public bool ClassesFromParent { get; init; }
    /// <summary>--limit: process only the first N images of the listing (applied before <see cref="Shard"/>); null: all.</summary>
    [FeatureShaping("limit")]
    public int? Limit { get; init; }
    /// <summary>--shards: the shard count for --shard auto under a Kubernetes indexed Job (read while parsing --shard).</summary>
    [NotFeatureShaping] // read into Shard
    public int? ShardCount { get; init; }
    /// <summary>Process only this part of the input; the output name may hold {shard}.</summary>
    [FeatureShaping("shard")]
    public Shard? Shard { get; init; }
    /// <summary>--image-ext: the image member of a tar sample that has several (e.g. "jpg"); null: the only (or plain) one.</summary>
    [FeatureShaping("image_ext")]
    public string? ImageExtension { get; init; }
    /// <summary>--image-column: the image column of a Parquet table; null: "image".</summary>
    [FeatureShaping("image_column")]
    public string? ImageColumn { get; init; }
    /// <summary>--label-column: the integer label column of a Parquet table; null: "label" when there.</summary>
    [FeatureShaping("label_column")]
    public string? LabelColumn { get; init; }
    /// <summary>--array-key: the array of an .npz holding the images; null: "x", or the only one.</summary>
    [FeatureShaping("array_key")]
    public string? ArrayKey { get; init; }
    /// <summary>Compression of a Parquet output; null: zstd.</summary>
    [NotFeatureShaping] // as compression, below
    public ParquetCompression? Compression { get; init; }
    /// <summary>The compression of a Parquet output (zstd when not given); null for NPY and NPZ.</summary>
    [FeatureShaping("compression")]
    public ParquetCompression? StoredCompression =>
        FeatureWriters.TryFormatOf(Output, out var f) && f == OutputFormat.Parquet ? Compression ?? ParquetCompression.Zstd : null;
    /// <summary>Scaled (DCT-domain) or full-size decoding of JPEGs that --size shrinks (<c>--decode</c>).</summary>
    [FeatureShaping("decode")]
    public DecodeMode Decode { get; init; } = DecodeMode.Scaled;

    // Safety: bad files, decompression bombs, hanging decodes, the output file.
    /// <summary>Images with more pixels than this (from the header) are skipped before decoding.</summary>
    [FeatureShaping("max_pixels")]
    public long MaxPixels { get; init; } = ImageDecoder.DefaultMaxPixels;
    /// <summary>A decode that runs longer is abandoned and its file skipped.</summary>
    [NotFeatureShaping]
    public TimeSpan DecodeTimeout
    {
        get => TimeSpan.FromSeconds(DecodeTimeoutSeconds);
        init => DecodeTimeoutSeconds = value.TotalSeconds;
    }
    /// <summary><see cref="DecodeTimeout"/> in seconds, as given (checked by <see cref="Validate"/>).</summary>
    [NotFeatureShaping]
    public double DecodeTimeoutSeconds { get; init; } = DefaultDecodeTimeout.TotalSeconds;
    /// <summary>Where to write the skipped files (PATH TAB REASON per line); null: nowhere.</summary>
    [NotFeatureShaping]
    public string? SkippedList { get; init; }
    /// <summary>Refuse to replace an existing output file (checked before any work and at the final rename).</summary>
    [NotFeatureShaping]
    public bool NoClobber { get; init; }

    /// <summary>--part-size N: images of the listing per output part; null: one file (today's behaviour).</summary>
    [NotFeatureShaping] // the manifest's own part_size
    public int? PartSize { get; init; }
    /// <summary>--resume: finish the parts the manifest does not list as good.</summary>
    [NotFeatureShaping]
    public bool Resume { get; init; }
    /// <summary>--dtype: the element type features are stored in.</summary>
    [FeatureShaping("dtype")]
    public Scat.Output.FeatureDType DType { get; init; } = Scat.Output.FeatureDType.Float32;

    // Tiles (issue 21): --tile and --tile-stride as given (HxW or N), parsed into Tiling by Validate's rules.
    /// <summary>--tile N|HxW: cut each image (after --size) into tiles of this size, each a row; null: whole images.</summary>
    [FeatureShaping("tile")]
    public string? Tile { get; init; }
    /// <summary>--tile-stride N|HxW: rows and columns between tiles' corners; null: the tile size (no overlap).</summary>
    [FeatureShaping("tile_stride")]
    public string? TileStride { get; init; }

    /// <summary>The tiling asked for (checked by <see cref="Validate"/>), or null.</summary>
    [NotFeatureShaping] // as tile and tile_stride, above
    public Tiling? Tiling
    {
        get
        {
            if (Tile is null) return null;
            var tile = Tiling.ParseSize(Tile) ?? throw new ScatUsageException($"bad --tile '{Tile}': use N or HxW (height x width) with positive integers, e.g. 64 or 40x32");
            var stride = TileStride is null ? tile
                : Tiling.ParseSize(TileStride) ?? throw new ScatUsageException($"bad --tile-stride '{TileStride}': use N or HxW (height x width) with positive integers, e.g. 32 or 20x16");
            return new Tiling(tile.Height, tile.Width, stride.Height, stride.Width);
        }
    }

    public static readonly TimeSpan DefaultDecodeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest --decode-timeout accepted: one day.</summary>
    public static readonly TimeSpan MaxDecodeTimeout = TimeSpan.FromDays(1);

    /// <summary>The output path with {shard} filled in.</summary>
    [NotFeatureShaping]
    public string OutputPath => Scat.Pipeline.Shard.FillName(Output, Shard);

    /// <summary>
    /// Every rule of the options, in one place; throws <see cref="ScatUsageException"/> on the first broken one. Last,
    /// the two that look at the disk: --no-clobber against an existing output, and the options of the kind of input
    /// (the INPUT names after brace and glob expansion; a glob matching nothing throws <see cref="ScatException"/>).
    /// </summary>
    public void Validate()
    {
        if (FilesFrom is null && Inputs.Count == 0) throw new ScatUsageException("no input given (INPUT or --files-from)");
        if (FilesFrom is not null && Inputs.Count > 0) throw new ScatUsageException("give INPUT or --files-from, not both");
        if (ShardCount is not null && Shard is null) throw new ScatUsageException("--shards goes with --shard auto");
        if (ClassesFromParent && FilesFrom is null) throw new ScatUsageException("--classes-from-parent goes with --files-from");
        OptionRules.TransformShape(J, L, Order);
        OptionRules.AtLeastOne("--batch-size", BatchSize);
        OptionRules.AtLeastOne("--threads", Threads);
        if (Limit is { } limit) OptionRules.AtLeastOne("--limit", limit);
        if (string.IsNullOrEmpty(Output)) throw new ScatUsageException("no output given (-o)");
        bool toStdout = Output == FeatureWriters.StandardOutput;
        var format = FeatureWriters.FormatOf(Output);
        if (Compression is not null && format != OutputFormat.Parquet)
            throw new ScatUsageException("--compression applies to a .parquet output only");
        if (DType == FeatureDType.Float16 && !toStdout && format == OutputFormat.Parquet)
            throw new ScatUsageException(
                "--dtype float16 is not available for a .parquet output (Parquet.Net 6.1 cannot write Parquet's FLOAT16 type): use .npy or .npz, or --dtype float32");
        _ = OutputPath; // {shard} in the name needs --shard
        ValidateParts(toStdout);
        if (Resize is { } r && OptionRules.ImageSizeProblem(r.Height, r.Width, J, L, Order, resized: true) is { } problem)
            throw new ScatUsageException(problem);
        if (TileStride is not null && Tile is null) throw new ScatUsageException("--tile-stride goes with --tile");
        if (Tiling is { } tiling)
        {
            if (ScatteringLayout.Problem(tiling.Height, tiling.Width, J, L, Order) is { } tileProblem)
                throw new ScatUsageException($"{tileProblem} (--tile {tiling.Height}x{tiling.Width}): use a smaller J or a larger --tile");
            if (toStdout)
                throw new ScatUsageException("--tile does not go with -o - (standard output needs the number of rows first): give -o FILE");
        }
        ValidateMemory();
        if (MaxPixels < 1) throw new ScatUsageException($"--max-pixels must be at least 1, got {MaxPixels}");
        if (!(DecodeTimeoutSeconds > 0 && DecodeTimeoutSeconds <= MaxDecodeTimeout.TotalSeconds))
            throw new ScatUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--decode-timeout must be more than 0 and at most {MaxDecodeTimeout.TotalSeconds} seconds, got {DecodeTimeoutSeconds}"));
        if (SkippedList is { } list)
        {
            if (list.Length == 0 || list == FeatureWriters.StandardOutput)
                throw new ScatUsageException("--skipped needs a file path");
            if (!toStdout && Path.GetFullPath(list) == Path.GetFullPath(OutputPath))
                throw new ScatUsageException("--skipped must be another file than the output");
        }
        // --no-clobber: the output, or a parted run's own files (parts, sidecars, manifest; --resume continues its own run).
        if (NoClobber && !toStdout && !Resume
            && (PartSize is null ? [OutputPath] : PartedOutput.ExistingFiles(this)).FirstOrDefault(f => File.Exists(f) || Directory.Exists(f)) is { } existing)
            throw new ScatException($"{existing} exists; not replaced (--no-clobber)");
        ValidateInputKind(FilesFrom is null ? InputKinds.Of(InputPatterns.Expand(Inputs)) : InputKind.Files);
    }

    /// <summary>--part-size, {part} and --resume.</summary>
    private void ValidateParts(bool toStdout)
    {
        const string part = PartedOutput.Placeholder;
        bool hasPart = Output.Contains(part, StringComparison.Ordinal);
        if (PartSize is null)
        {
            if (hasPart) throw new ScatUsageException($"the output name contains {part} but no --part-size is given");
            if (Resume) throw new ScatUsageException("--resume goes with --part-size");
            return;
        }
        OptionRules.AtLeastOne("--part-size", PartSize.Value);
        if (Resume && Inputs.Contains("-"))
            throw new ScatUsageException("--resume cannot check a tar read from standard input (-): give the shard files");
        if (toStdout) throw new ScatUsageException("--part-size writes files: it cannot write to standard output (-o -)");
        var name = Path.GetFileName(Output);
        if (!name.Contains(part, StringComparison.Ordinal))
            throw new ScatUsageException($"--part-size needs {part} in the output file name, e.g. -o 'feats/part-{part}.parquet'");
        if (name.IndexOf(part, StringComparison.Ordinal) != name.LastIndexOf(part, StringComparison.Ordinal))
            throw new ScatUsageException($"the output name holds {part} more than once");
        if (Shard is not null && !Output.Contains(Scat.Pipeline.Shard.Placeholder, StringComparison.Ordinal))
            throw new ScatUsageException($"--part-size with --shard needs {Scat.Pipeline.Shard.Placeholder} in the output name, so that shards do not write the same parts");
        if (SkippedList is { Length: > 0 } list && PartedOutput.IsOwnFile(this, list))
            throw new ScatUsageException($"--skipped {list} is a part, sidecar or manifest of the run: give another file");
    }

    /// <summary>
    /// The memory bound (<see cref="BatchBudget.Bound"/>): the working set of the transform's one size (--tile's, else
    /// --size's) must fit in it, unless the engine asked for can run it within (e.g. --device cuda has no CPU lane
    /// buffers). Images at their own sizes are checked one by one (<see cref="ExtractPipeline.ImageProblem"/>).
    /// </summary>
    private void ValidateMemory()
    {
        var (what, height, width, advice) = Tiling is { } t ? ($"--tile {t.Height}x{t.Width}", t.Height, t.Width, "a smaller --tile")
            : Resize is { } r ? ($"--size {r.Height}x{r.Width}", r.Height, r.Width, "a smaller --size")
            : (null, 0, 0, null);
        if (what is null) return;
        if (BatchBudget.Problem(what, advice!, height, width, J, L, Order, ImageDecoder.ChannelsOf(Color), BatchSize, Threads, Device.Kind,
                ExtractPipeline.InputBuffers, ExtractPipeline.OutputBuffers) is { } problem)
            throw new ScatUsageException(problem);
    }

    /// <summary>The options that apply to one kind of input only.</summary>
    private void ValidateInputKind(InputKind kind)
    {
        if (ImageExtension is not null && kind != InputKind.Tar) throw new ScatUsageException("--image-ext applies to tar shard inputs only");
        if (ImageColumn is not null && kind != InputKind.Parquet) throw new ScatUsageException("--image-column applies to Parquet inputs only");
        if (LabelColumn is not null && kind != InputKind.Parquet) throw new ScatUsageException("--label-column applies to Parquet inputs only");
        if (ArrayKey is not null && kind != InputKind.Array) throw new ScatUsageException("--array-key applies to .npz inputs only");
        if (kind == InputKind.Array && Resize is not null)
            throw new ScatUsageException("--size and --fit do not apply to array inputs: resample your arrays yourself");
    }
}

/// <summary>The outcome of a successful run.</summary>
public sealed record ExtractResult(long Written, int Skipped, TimeSpan Elapsed, string Device)
{
    /// <summary>Time each stage spent on its own thread (they overlap): waiting for and collecting decodes, transforming, writing.</summary>
    public (TimeSpan Decode, TimeSpan Transform, TimeSpan Write) StageTimes { get; init; }
    /// <summary>The size of every image the transform saw (after --size).</summary>
    public (int Height, int Width) ImageSize { get; init; }
    /// <summary>Planes per image (3 for RGB, 1 for gray, an array's own C).</summary>
    public int Channels { get; init; }
}

/// <summary>Progress after each batch: files done (written or skipped) of the total listed.</summary>
public readonly record struct ExtractProgress(int Done, int Total, int Skipped);
