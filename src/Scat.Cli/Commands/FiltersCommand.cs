using System.CommandLine;
using Scat.Pictures;

namespace Scat.Cli.Commands;

/// <summary><c>scat filters -J J -L L [--size N] -o filters.png</c>: a picture of the Morlet filter bank.</summary>
internal static class FiltersCommand
{
    public static Command Create(CliConsole console)
    {
        var output = CommonOptions.PngOutput();
        var scale = CommonOptions.Scale();
        var angles = CommonOptions.Angles();
        var size = new Option<int>("--size")
        {
            Description = "Size N of the N x N (padded) grid the filters are built on",
            DefaultValueFactory = _ => 64,
            HelpName = "N",
        };
        var command = new Command("filters", "Draw the filter bank (each wavelet in space and in Fourier, and the low-pass) as one PNG")
        {
            scale, angles, size, output,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() =>
            (int)Handle(r.GetValue(scale), r.GetValue(angles), r.GetValue(size), r.GetValue(output)!, console), CancellationToken.None));
        return command;
    }

    public static ExitCode Handle(int j, int l, int size, string output, CliConsole console)
    {
        if ((Pipeline.OptionRules.TransformShapeProblem(j, l, 2) ?? FilterPicture.Problem(j, l, size)) is { } problem)
        {
            console.WriteError(problem);
            return ExitCode.BadArguments;
        }
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            console.WriteError($"the output must be a .png file, got '{output}'");
            return ExitCode.BadArguments;
        }
        return CommandErrors.Run(console, CancellationToken.None, () =>
        {
            FilterPicture.Save(output, j, l, size);
            return ExitCode.Success;
        }, writing: output);
    }
}
