using System.CommandLine;
using Scat.Backends;
using Scat.Input;
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
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output file: .npz (features, labels, paths, classes, channel meta) or .npy (features only); - writes NPY to standard output",
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

        var command = new Command("extract", "Compute the scattering features of images and write them to an NPY or NPZ file")
        {
            inputs, output, scale, angles, order, color, size, fit, device, batchSize, threads, quiet, strict,
        };
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
        }), console, ct), CancellationToken.None));
        return command;
    }

    /// <summary>Checks the arguments and runs the pipeline; every outcome becomes an exit code.</summary>
    public static ExitCode Handle(ExtractArguments args, CliConsole console, CancellationToken cancellationToken)
    {
        ProgressBar? bar = console.ErrorIsTerminal && !args.Quiet ? new ProgressBar(console.Error) : null;
        try
        {
            var options = ToOptions(args);
            var pipeline = new ExtractPipeline(options, console.StandardOutput) { Progress = bar is null ? null : bar.Report };
            pipeline.Run(bar ?? console.Error, cancellationToken);
            return ExitCode.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            bar?.Clear();
            console.WriteError("interrupted; no output written");
            return ExitCode.Interrupted;
        }
        catch (ScatUsageException e)
        {
            bar?.Clear();
            console.WriteError(e.Message);
            return ExitCode.BadArguments;
        }
        catch (ScatException e)
        {
            bar?.Clear();
            console.WriteError(e.Message);
            return ExitCode.Failed;
        }
        catch (Exception e)
        {
            bar?.Clear();
            console.Error.WriteLine($"scat: internal error: {e}");
            return ExitCode.InternalError;
        }
    }

    /// <summary>Turns the raw arguments into pipeline options; throws <see cref="ScatUsageException"/>.</summary>
    public static ExtractOptions ToOptions(ExtractArguments a)
    {
        if (!DeviceSpec.TryParse(a.Device, out var device))
            throw new ScatUsageException($"unknown device '{a.Device}': use auto, cpu, cuda or cuda:N");
        var color = a.Color.Trim().ToLowerInvariant() switch
        {
            "rgb" => ColorMode.Rgb,
            "gray" or "grey" => ColorMode.Gray,
            _ => throw new ScatUsageException($"unknown --color '{a.Color}': use rgb or gray"),
        };
        if (!ResizeSpec.TryParseFit(a.Fit, out var fit))
            throw new ScatUsageException($"unknown --fit '{a.Fit}': use crop, stretch or pad");
        ResizeSpec? resize = null;
        if (a.Size is not null && !ResizeSpec.TryParse(a.Size, fit, out resize))
            throw new ScatUsageException($"bad --size '{a.Size}': use N or HxW with positive integers, e.g. 32 or 48x64");
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
        };
        options = SafetyOptions.Apply(a, options);
        ExtractPipeline.Validate(options);
        return options;
    }
}
