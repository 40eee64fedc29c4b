using System.CommandLine;
using Scat.Backends;
using Scat.Input.Decoding;

namespace Scat.Cli;

/// <summary>Options shared by the commands that compute a transform.</summary>
internal static class CommonOptions
{
    public static Option<int> Scale() => new("--scale", "-J")
    {
        Description = "Number of octaves J; the invariance scale is 2^J (needs 2^J <= image height and width)",
        DefaultValueFactory = _ => 2,
    };

    public static Option<int> Angles() => new("--angles", "-L")
    {
        Description = "Number of wavelet orientations L",
        DefaultValueFactory = _ => 8,
    };

    /// <summary>A string option that takes one of <paramref name="values"/> (the first is the default), refused alike for every such option.</summary>
    public static Option<string> Choice(string name, string description, params string[] values)
    {
        var o = new Option<string>(name) { Description = description, DefaultValueFactory = _ => values[0] };
        o.AcceptOnlyFromAmong(values);
        return o;
    }

    public static Option<int> Order()
    {
        var o = new Option<int>("--order")
        {
            Description = "Highest scattering order kept: 1 or 2",
            DefaultValueFactory = _ => 2,
        };
        o.AcceptOnlyFromAmong("1", "2");
        return o;
    }

    public static Option<string> Color()
    {
        var o = new Option<string>("--color")
        {
            Description = "rgb: three channels R, G, B (a gray image gives three equal ones); gray: one channel, 0.299 R + 0.587 G + 0.114 B",
            DefaultValueFactory = _ => "rgb",
        };
        o.AcceptOnlyFromAmong("rgb", "gray");
        return o;
    }

    /// <param name="description">What --size does in this command.</param>
    public static Option<string?> Size(string description = "Resize every image to N x N or H x W pixels (bilinear); without it all images must have one size") => new("--size")
    {
        Description = description,
        HelpName = "N|HxW",
    };

    public static Option<string> Fit()
    {
        var o = new Option<string>("--fit")
        {
            Description = "How --size keeps the aspect: crop (scale the shorter side, centre-crop), stretch (ignore the aspect), pad (scale the longer side, pad by reflection)",
            DefaultValueFactory = _ => "crop",
        };
        o.AcceptOnlyFromAmong("crop", "stretch", "pad");
        return o;
    }

    public static Option<string> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N (auto uses a CUDA GPU when one is usable, else the CPU)",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "Images per batch",
        DefaultValueFactory = _ => 64,
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for decoding and the CPU transform; the default is the number of cores",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "Print only errors (no progress, notices, skipped files or summary)",
    };

    public static Option<bool> Strict() => new("--strict")
    {
        Description = "Fail the run when a file cannot be decoded, instead of skipping it",
    };

    /// <summary>-o for the commands that draw a picture.</summary>
    public static Option<string> PngOutput() => new("--output", "-o")
    {
        Description = "The PNG file to write",
        Required = true,
        HelpName = "PNG",
    };

    // The parsers of the shared options: one each, so that one mistake gets one wording in every command.

    public static DeviceSpec ParseDevice(string text) => DeviceSpec.TryParse(text, out var device) ? device
        : throw new ScatUsageException($"unknown device '{text}': use auto, cpu, cuda or cuda:N");

    public static ColorMode ParseColor(string text) => text.Trim().ToLowerInvariant() switch
    {
        "rgb" => ColorMode.Rgb,
        "gray" => ColorMode.Gray,
        _ => throw new ScatUsageException($"unknown --color '{text}': use rgb or gray"),
    };

    public static FitMode ParseFit(string text) => ResizeSpec.TryParseFit(text, out var fit) ? fit
        : throw new ScatUsageException($"unknown --fit '{text}': use crop, stretch or pad");

    /// <summary>--size N|HxW (null when absent) with --fit.</summary>
    public static ResizeSpec? ParseSize(string? text, string fit)
    {
        var fitMode = ParseFit(fit);
        if (text is null) return null;
        return ResizeSpec.TryParse(text, fitMode, out var resize) ? resize
            : throw new ScatUsageException($"bad --size '{text}': use N or HxW with positive integers, e.g. 32 or 48x64");
    }
}
