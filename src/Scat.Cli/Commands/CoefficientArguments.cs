using System.CommandLine;
using Scat.Transform;

namespace Scat.Cli.Commands;

/// <summary>
/// The options that change the coefficients (<c>--padding</c>, <c>--rotation-invariant</c>, <c>--renorm</c>,
/// <c>--log</c>), added the same way to extract, show and bench and read into one <see cref="CoefficientOptions"/>.
/// </summary>
internal sealed class CoefficientArguments
{
    private readonly bool _steps;

    /// <param name="steps">Also the steps after the transform (rotation-invariant, renorm, log); bench times only the padding.</param>
    public CoefficientArguments(bool steps = true)
    {
        _steps = steps;
        Padding.AcceptOnlyFromAmong(PadIndex.Names);
    }

    public Option<string> Padding { get; } = new("--padding")
    {
        Description = "How the image is padded before the transform, as numpy.pad: reflect (Kymatio's), symmetric, zero or periodic",
        DefaultValueFactory = _ => "reflect",
    };

    public Option<bool> RotationInvariant { get; } = new("--rotation-invariant")
    {
        Description = "Replace the L orientation channels by the moduli of their DFT along the orientations (m = 0..L/2); invariant to rotations by multiples of pi/L after --pool mean",
    };

    public Option<bool> Renorm { get; } = new("--renorm")
    {
        Description = "Divide order 1 by order 0 and order 2 by its parent order 1 (+ 2^-20), position by position",
    };

    public Option<bool> Log { get; } = new("--log")
    {
        Description = "log(max(S, 0) + 2^-20) of every feature, as the last step (after --pool)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Padding);
        if (!_steps) return;
        command.Options.Add(RotationInvariant);
        command.Options.Add(Renorm);
        command.Options.Add(Log);
    }

    /// <summary>Adds the options to a command bound by <paramref name="bind"/>; <paramref name="with"/> puts the value in the record.</summary>
    public OptionBinder<T> AddTo<T>(OptionBinder<T> bind, Func<T, CoefficientOptions, T> with) =>
        bind.AddAll(this.AddTo, (o, r) => with(o, Read(r)));

    public CoefficientOptions Read(ParseResult r)
    {
        if (!PadIndex.TryParse(r.GetValue(Padding), out var padding))
            throw new ScatUsageException($"unknown --padding '{r.GetValue(Padding)}': use {string.Join(", ", PadIndex.Names)}");
        var o = new CoefficientOptions { Padding = padding };
        if (!_steps) return o;
        return o with { RotationInvariant = r.GetValue(RotationInvariant), Renorm = r.GetValue(Renorm), Log = r.GetValue(Log) };
    }
}
