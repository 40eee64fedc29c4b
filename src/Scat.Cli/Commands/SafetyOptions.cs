using System.CommandLine;
using Scat.Input;
using Scat.Pipeline;

namespace Scat.Cli.Commands;

/// <summary>The options of bad files, bombs, hangs and output safety (<c>--skipped</c>, <c>--no-clobber</c>,
/// <c>--max-pixels</c>, <c>--decode-timeout</c>); <c>--strict</c> is in <see cref="CommonOptions"/>.</summary>
internal sealed class SafetyOptions
{
    public Option<string?> Skipped { get; } = new("--skipped")
    {
        Description = "Write the skipped files to FILE, one line PATH<TAB>REASON each",
        HelpName = "FILE",
    };

    public Option<bool> NoClobber { get; } = new("--no-clobber")
    {
        Description = "Refuse to replace an existing output file",
    };

    public Option<long> MaxPixels { get; } = new("--max-pixels")
    {
        Description = "Skip images with more pixels than this (read from the header, before decoding)",
        DefaultValueFactory = _ => ImageDecoder.DefaultMaxPixels,
        HelpName = "N",
    };

    public Option<double> DecodeTimeout { get; } = new("--decode-timeout")
    {
        Description = "Skip a file whose decoding takes longer than this many seconds",
        DefaultValueFactory = _ => ExtractOptions.DefaultDecodeTimeout.TotalSeconds,
        HelpName = "SECONDS",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Skipped);
        command.Options.Add(NoClobber);
        command.Options.Add(MaxPixels);
        command.Options.Add(DecodeTimeout);
    }

    public ExtractArguments Read(ParseResult r, ExtractArguments a) => a with
    {
        SkippedList = r.GetValue(Skipped),
        NoClobber = r.GetValue(NoClobber),
        MaxPixels = r.GetValue(MaxPixels),
        DecodeTimeoutSeconds = r.GetValue(DecodeTimeout),
    };

    /// <summary>Copies the safety arguments into the pipeline options.</summary>
    public static ExtractOptions Apply(ExtractArguments a, ExtractOptions o)
    {
        double seconds = a.DecodeTimeoutSeconds;
        if (!(seconds > 0 && seconds <= ExtractPipeline.MaxDecodeTimeout.TotalSeconds))
            throw new ScatUsageException(
                $"--decode-timeout must be more than 0 and at most {ExtractPipeline.MaxDecodeTimeout.TotalSeconds} seconds, got {a.DecodeTimeoutSeconds}");
        return o with
        {
            SkippedList = a.SkippedList,
            NoClobber = a.NoClobber,
            MaxPixels = a.MaxPixels,
            DecodeTimeout = TimeSpan.FromSeconds(seconds),
        };
    }
}
