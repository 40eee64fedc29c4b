using System.CommandLine;
using Scat.Pictures;
using Scat.Pipeline;

namespace Scat.Cli.Commands;

/// <summary>Everything <c>scat filters</c> is asked to do.</summary>
internal sealed record FiltersOptions
{
    public int J { get; init; } = 2;
    public int L { get; init; } = 8;
    /// <summary>N of the N × N (padded) grid the filters are built on.</summary>
    public int Size { get; init; } = 64;
    public string Output { get; init; } = "";

    /// <summary>Every rule of the options, in one place; throws <see cref="ScatUsageException"/> on the first broken one.</summary>
    public void Validate()
    {
        OptionRules.TransformShape(J, L, 2);
        if (FilterPicture.Problem(J, L, Size) is { } problem) throw new ScatUsageException(problem);
        CommonOptions.CheckPng(Output);
    }
}

/// <summary><c>scat filters -J J -L L [--size N] -o filters.png</c>: a picture of the Morlet filter bank.</summary>
internal static class FiltersCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("filters", "Draw the filter bank (each wavelet in space and in Fourier, and the low-pass) as one PNG");
        var bind = new OptionBinder<FiltersOptions>(command)
            .Group("Transform")
            .Add(CommonOptions.Scale(), (o, v) => o with { J = v })
            .Add(CommonOptions.Angles(), (o, v) => o with { L = v })
            .Add(new Option<int>("--size")
            {
                Description = "Size N of the N x N (padded) grid the filters are built on",
                DefaultValueFactory = _ => 64,
                HelpName = "N",
            }, (o, v) => o with { Size = v })
            .Group("Output")
            .Add(CommonOptions.PngOutput(), (o, v) => o with { Output = v })
            .Example("scat filters -J 3 -L 8 -o filters.png", "the 24 wavelets and the low-pass of J=3, L=8 on a 64 x 64 grid");
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(bind.Bind(r, new FiltersOptions()), console), CancellationToken.None));
        return command;
    }

    public static ExitCode Handle(FiltersOptions o, CliConsole console)
    {
        return CommandErrors.Run(console, CancellationToken.None, () =>
        {
            o.Validate();
            FilterPicture.Save(o.Output, o.J, o.L, o.Size);
            return ExitCode.Success;
        }, writing: o.Output);
    }
}
