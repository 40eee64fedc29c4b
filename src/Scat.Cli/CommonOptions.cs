using System.CommandLine;
using System.CommandLine.Parsing;
using Scat.Backends;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Transform;

namespace Scat.Cli;

/// <summary>
/// Options shared by the commands, and the one parser of every kind of value: a choice, a device, a size. A value
/// that does not parse is refused while parsing, in scat's wording, naming the option (and the choices).
/// </summary>
internal static class CommonOptions
{
    public static Option<int> Scale() => new("--scale", "-J")
    {
        Description = "Number of octaves J; the invariance scale is 2^J (needs 2^J <= image height and width)",
        DefaultValueFactory = _ => 2,
        HelpName = "J",
    };

    public static Option<int> Angles() => new("--angles", "-L")
    {
        Description = "Number of wavelet orientations L",
        DefaultValueFactory = _ => 8,
        HelpName = "L",
    };

    public static Option<int> Order() => Choice("--order", "Highest scattering order kept: 1 or 2", [("1", 1), ("2", 2)], 2);

    public static Option<ColorMode> Color() => Choice("--color",
        "rgb: three channels R, G, B (a gray image gives three equal ones); gray: one channel, 0.299 R + 0.587 G + 0.114 B", ColorMode.Rgb);

    /// <param name="description">What --size does in this command.</param>
    public static Option<ResizeSpec?> Size(string description = "Resize every image to N x N or H x W pixels (bilinear); without it all images must have one size") => new("--size")
    {
        Description = description,
        HelpName = "N|HxW",
        CustomParser = r => ParseSizes(r, several: false).FirstOrDefault(),
    };

    /// <summary>--size repeatable or comma-separated (bench); empty when absent.</summary>
    public static Option<ResizeSpec[]> Sizes(string description) => new("--size")
    {
        Description = description,
        HelpName = "N|HxW",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = r => [.. ParseSizes(r, several: true)],
        DefaultValueFactory = _ => [],
    };

    public static Option<FitMode> Fit() => Choice("--fit",
        "How --size keeps the aspect: crop (scale the shorter side, centre-crop), stretch (ignore the aspect), pad (scale the longer side, pad by reflection)", FitMode.Crop);

    /// <summary>--size with --fit's mode (--fit alone changes nothing).</summary>
    public static ResizeSpec? WithFit(ResizeSpec? size, FitMode fit) => size is { } r ? r with { Fit = fit } : null;

    public static Option<PoolMode> Pool() => Choice("--pool",
        "Pool each map over its positions: none, mean or max; mean and max give features (N, C, K) instead of (N, C, K, H', W')", PoolMode.None);

    public static Option<DecodeMode> Decode() => Choice("--decode",
        "scaled: a JPEG that --size shrinks to half or less is decoded at the smallest of 1/2, 1/4 or 1/8 scale that covers the size (libjpeg-turbo, as Pillow's draft; much faster, pixels differ slightly); exact: always decode at full size, then resize", DecodeMode.Scaled);

    public static Option<DeviceSpec> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N (auto uses a CUDA GPU when one is usable, else the CPU)",
        DefaultValueFactory = _ => new DeviceSpec(DeviceKind.Auto, 0),
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (DeviceSpec.TryParse(text, out var device)) return device;
            r.AddError($"unknown --device '{text}': use auto, cpu, cuda or cuda:N");
            return default;
        },
    };

    public static Option<int> BatchSize(int defaultValue = 64) => new("--batch-size")
    {
        Description = "Images per batch",
        DefaultValueFactory = _ => defaultValue,
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

    /// <summary>The rule of the commands that draw a picture: -o names a .png file.</summary>
    public static void CheckPng(string output)
    {
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ScatUsageException($"the output must be a .png file, got '{output}'");
    }

    /// <summary>An option taking one of an enum's values, named in lower case (the order of the enum is the order shown).</summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum =>
        Choice(name, description, [.. Enum.GetValues<T>().Select(v => (v.ToString().ToLowerInvariant(), v))], defaultValue);

    /// <summary>Like <see cref="Choice{T}(string, string, T)"/>, null when not given.</summary>
    public static Option<T?> OptionalChoice<T>(string name, string description) where T : struct, Enum =>
        Choice<T?>(name, description, [.. Enum.GetValues<T>().Select(v => (v.ToString().ToLowerInvariant(), (T?)v))], null);

    /// <summary>
    /// An option that takes one of <paramref name="choices"/> (case-insensitive): the one parser of every choice, so that
    /// a wrong one is refused once, alike for every option ("unknown --pool 'avg': use none, mean or max").
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, IReadOnlyList<(string Name, T Value)> choices, T defaultValue)
    {
        var names = choices.Select(c => c.Name).ToArray();
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = string.Join("|", names),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                foreach (var (choice, value) in choices)
                    if (string.Equals(choice, text.Trim(), StringComparison.OrdinalIgnoreCase)) return value;
                r.AddError($"unknown {name} '{text}': use {Alternatives(names)}");
                return defaultValue;
            },
        };
        option.CompletionSources.Add(names);
        return option;
    }

    /// <summary>"a", "a or b", "a, b or c".</summary>
    public static string Alternatives(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Concat(names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    /// <summary>The sizes of a --size (N or HxW; with <paramref name="several"/>, each token may hold several, comma-separated),
    /// with --fit crop until --fit sets it.</summary>
    private static List<ResizeSpec> ParseSizes(ArgumentResult r, bool several)
    {
        var sizes = new List<ResizeSpec>();
        var texts = several ? r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) : r.Tokens.Select(t => t.Value);
        foreach (var text in texts)
        {
            if (ResizeSpec.TryParse(text, FitMode.Crop, out var size) && size is not null) { sizes.Add(size); continue; }
            r.AddError($"bad --size '{text}': use N or HxW with positive integers, e.g. 32 or 48x64");
            return [];
        }
        return sizes;
    }
}
