using System.CommandLine;
using Scat.Backends;
using Scat.Input;
using Scat.Output;
using Scat.Pipeline;

namespace Scat.Cli.Commands;

/// <summary>The raw values of <c>scat extract</c>'s command line, before checking.</summary>
internal sealed record ExtractArguments
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Output { get; init; }
    public int J { get; init; } = 2;
    public int L { get; init; } = 8;
    public int Order { get; init; } = 2;
    public string Color { get; init; } = "rgb";
    public string? Size { get; init; }
    public string Fit { get; init; } = "crop";
    public string Device { get; init; } = "auto";
    public int BatchSize { get; init; } = 64;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public bool Quiet { get; init; }
    public bool Strict { get; init; }
    public string Pool { get; init; } = "none";
    /// <summary>--files-from: a file of image paths, or "-" for standard input.</summary>
    public string? FilesFrom { get; init; }
    public bool ClassesFromParent { get; init; }
    /// <summary>--shard I/N or auto.</summary>
    public string? Shard { get; init; }
    /// <summary>--shards N, with --shard auto under a Kubernetes indexed Job.</summary>
    public int? Shards { get; init; }
    public string? Compression { get; init; }
    /// <summary>--decode scaled|exact.</summary>
    public string Decode { get; init; } = "scaled";
    // Safety (SafetyOptions)
    public string? SkippedList { get; init; }
    public bool NoClobber { get; init; }
    public long MaxPixels { get; init; } = ImageDecoder.DefaultMaxPixels;
    public double DecodeTimeoutSeconds { get; init; } = ExtractOptions.DefaultDecodeTimeout.TotalSeconds;
}

/// <summary><c>scat extract INPUT... -o OUT</c>: scattering features of images to NPY/NPZ.</summary>
internal static class ExtractCommand
{
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Image folders (their first-level subfolders are the classes) or image files",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output file: .npz (features, labels, paths, classes, channel meta), .parquet (one row per image: path, label, class, features) or .npy (features only); - writes NPY to standard output. {shard} in the name is replaced by the shard index",
            Required = true,
            HelpName = "OUT",
        };
        var scale = CommonOptions.Scale();
        var angles = CommonOptions.Angles();
        var order = CommonOptions.Order();
        var color = CommonOptions.Color();
        var size = CommonOptions.Size();
        var fit = CommonOptions.Fit();
        var device = CommonOptions.Device();
        var batchSize = CommonOptions.BatchSize();
        var threads = CommonOptions.Threads();
        var quiet = CommonOptions.Quiet();
        var strict = CommonOptions.Strict();
        var pool = PoolOption();
        var filesFrom = new Option<string?>("--files-from")
        {
            Description = "Read the image paths from FILE (- for standard input), one a line, in that order, instead of INPUT",
            HelpName = "FILE|-",
        };
        var classesFromParent = new Option<bool>("--classes-from-parent")
        {
            Description = "With --files-from: the class of an image is the name of its parent folder (else label -1)",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Process only part I of N (contiguous ranges of the processing order); auto reads SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX (with --shards)",
            HelpName = "I/N|auto",
        };
        var shards = new Option<int?>("--shards")
        {
            Description = "With --shard auto in a Kubernetes indexed Job: the number of shards (the Job's completions)",
            HelpName = "N",
        };
        var decode = new Option<string>("--decode")
        {
            Description = "scaled (default): a JPEG that --size shrinks to half or less is decoded at the smallest of 1/2, 1/4 or 1/8 scale that covers the size (libjpeg-turbo, as Pillow's draft; much faster, pixels differ slightly); exact: always decode at full size, then resize",
            DefaultValueFactory = _ => "scaled",
        };
        decode.AcceptOnlyFromAmong("scaled", "exact");
        var compression = new Option<string?>("--compression")
        {
            Description = "Compression of a .parquet output: zstd (default), snappy, gzip or none",
        };

        var command = new Command("extract", "Compute the scattering features of images and write them to an NPY, NPZ or Parquet file")
        {
            inputs, output, scale, angles, order, color, size, fit, device, batchSize, threads, quiet, strict, pool,
        };
        foreach (var option in new Option[] { filesFrom, classesFromParent, shard, shards, compression, decode }) command.Options.Add(option);
        var safety = new SafetyOptions();
        safety.AddTo(command);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(safety.Read(r, new ExtractArguments
        {
            Inputs = r.GetValue(inputs) ?? [],
            Output = r.GetValue(output)!,
            J = r.GetValue(scale),
            L = r.GetValue(angles),
            Order = r.GetValue(order),
            Color = r.GetValue(color)!,
            Size = r.GetValue(size),
            Fit = r.GetValue(fit)!,
            Device = r.GetValue(device)!,
            BatchSize = r.GetValue(batchSize),
            Threads = r.GetValue(threads),
            Quiet = r.GetValue(quiet),
            Strict = r.GetValue(strict),
            Pool = r.GetValue(pool)!,
            FilesFrom = r.GetValue(filesFrom),
            ClassesFromParent = r.GetValue(classesFromParent),
            Shard = r.GetValue(shard),
            Shards = r.GetValue(shards),
            Compression = r.GetValue(compression),
            Decode = r.GetValue(decode)!,
        }), console, ct), CancellationToken.None));
        return command;
    }

    private static Option<string> PoolOption()
    {
        var o = new Option<string>("--pool")
        {
            Description = "Pool each map over its positions: none, mean or max; mean and max give features (N, C, K) instead of (N, C, K, H', W')",
            DefaultValueFactory = _ => "none",
        };
        o.AcceptOnlyFromAmong("none", "mean", "max");
        return o;
    }

    /// <summary>Checks the arguments and runs the pipeline; every outcome becomes an exit code.</summary>
    public static ExitCode Handle(ExtractArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        ProgressBar? bar = console.ErrorIsTerminal && !args.Quiet ? new ProgressBar(console.Error) : null;
        return CommandErrors.Run(console, cancellationToken, () =>
        {
            var options = ToOptions(args, Environment.GetEnvironmentVariable, console.In);
            var pipeline = new ExtractPipeline(options, console.StandardOutput) { Progress = bar is null ? null : bar.Report };
            pipeline.Run(bar ?? console.Error, cancellationToken);
            return ExitCode.Success;
        }, onError: () => bar?.Clear());
    }

    /// <summary>Turns the raw arguments into pipeline options; throws <see cref="ScatUsageException"/>.</summary>
    /// <param name="a">The command line's values.</param>
    /// <param name="environment">Where --shard auto reads its variables (the process's environment by default).</param>
    /// <param name="standardInput">Where --files-from - reads.</param>
    public static ExtractOptions ToOptions(ExtractArguments a, Func<string, string?>? environment = null, TextReader? standardInput = null)
    {
        if (!DeviceSpec.TryParse(a.Device, out var device))
            throw new ScatUsageException($"unknown device '{a.Device}': use auto, cpu, cuda or cuda:N");
        var color = a.Color.Trim().ToLowerInvariant() switch
        {
            "rgb" => ColorMode.Rgb,
            "gray" => ColorMode.Gray,
            _ => throw new ScatUsageException($"unknown --color '{a.Color}': use rgb or gray"),
        };
        if (!ResizeSpec.TryParseFit(a.Fit, out var fit))
            throw new ScatUsageException($"unknown --fit '{a.Fit}': use crop, stretch or pad");
        ResizeSpec? resize = null;
        if (a.Size is not null && !ResizeSpec.TryParse(a.Size, fit, out resize))
            throw new ScatUsageException($"bad --size '{a.Size}': use N or HxW with positive integers, e.g. 32 or 48x64");
        if (!Pooling.TryParse(a.Pool, out var poolMode))
            throw new ScatUsageException($"unknown --pool '{a.Pool}': use none, mean or max");
        Shard? shard = null;
        if (a.Shard is not null) shard = Shard.Parse(a.Shard, a.Shards, environment ?? Environment.GetEnvironmentVariable);
        else if (a.Shards is not null) throw new ScatUsageException("--shards goes with --shard auto");
        ParquetCompression? compression = null;
        if (a.Compression is not null)
        {
            if (!ParquetFeatureWriter.TryParseCompression(a.Compression, out var c))
                throw new ScatUsageException($"unknown --compression '{a.Compression}': use zstd, snappy, gzip or none");
            compression = c;
        }
        var decodeMode = a.Decode.Trim().ToLowerInvariant() switch
        {
            "scaled" => DecodeMode.Scaled,
            "exact" => DecodeMode.Exact,
            _ => throw new ScatUsageException($"unknown --decode '{a.Decode}': use scaled or exact"),
        };
        if (a.FilesFrom is not null && a.Inputs.Count > 0) throw new ScatUsageException("give INPUT or --files-from, not both");
        var options = new ExtractOptions
        {
            Inputs = a.Inputs,
            Output = a.Output,
            J = a.J,
            L = a.L,
            Order = a.Order,
            Color = color,
            Resize = resize,
            Device = device,
            BatchSize = a.BatchSize,
            Threads = a.Threads,
            Quiet = a.Quiet,
            Strict = a.Strict,
            Pool = poolMode,
            ClassesFromParent = a.ClassesFromParent,
            Shard = shard,
            Compression = compression,
            Decode = decodeMode,
        };
        options = SafetyOptions.Apply(a, options);
        if (a.FilesFrom is null)
        {
            ExtractPipeline.Validate(options);
            return options;
        }
        // Check every argument before reading the list, which may be a pipe.
        ExtractPipeline.Validate(options with { FileList = [] });
        options = options with { FileList = ReadFileList(a.FilesFrom, standardInput) };
        return options;
    }

    private static List<string> ReadFileList(string source, TextReader? standardInput)
    {
        if (source == "-")
        {
            var reader = standardInput ?? Console.In;
            var lines = new List<string>();
            while (reader.ReadLine() is { } line) lines.Add(line);
            return lines;
        }
        try
        {
            return File.ReadLines(source).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot read the file list {source}: {e.Message}");
        }
    }
}
