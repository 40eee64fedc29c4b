using System.CommandLine;
using Scat.Transform;

namespace Scat.Cli.Commands;

/// <summary>
/// The options that change the coefficients (<c>--padding</c>, <c>--rotation-invariant</c>, <c>--renorm</c>,
/// <c>--log</c>), added the same way to extract, show and bench and read into one <see cref="CoefficientOptions"/>.
/// </summary>
internal sealed class CoefficientArguments
{
    public Option<PaddingMode> Padding { get; } = CommonOptions.Choice("--padding",
        "How the image is padded before the transform, as numpy.pad: reflect (Kymatio's), symmetric, zero or periodic",
        [.. PadIndex.Names.Select((name, i) => (name, (PaddingMode)i))], PaddingMode.Reflect);

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

    /// <summary>Adds the options to a command bound by <paramref name="bind"/>, one line each: <paramref name="get"/> reads the
    /// record's coefficient options, <paramref name="with"/> puts them back.</summary>
    public OptionBinder<T> AddTo<T>(OptionBinder<T> bind, Func<T, CoefficientOptions> get, Func<T, CoefficientOptions, T> with) => bind
        .Add(Padding, (o, v) => with(o, get(o) with { Padding = v }))
        .Add(RotationInvariant, (o, v) => with(o, get(o) with { RotationInvariant = v }))
        .Add(Renorm, (o, v) => with(o, get(o) with { Renorm = v }))
        .Add(Log, (o, v) => with(o, get(o) with { Log = v }));
}
