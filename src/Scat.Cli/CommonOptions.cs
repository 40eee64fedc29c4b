using System.CommandLine;

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

    public static Option<string?> Size() => new("--size")
    {
        Description = "Resize every image to N x N or H x W pixels (bilinear); without it all images must have one size",
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
}
