using System.Text.Json;

namespace Scat.Transform;

/// <summary>
/// The options that change the coefficients (issue 16): the padding of the transform and the steps after it.
/// The defaults change nothing. See docs/SCATTERING.md ("Options that change the coefficients") for the
/// definitions and <see cref="CoefficientSteps"/> for the order: transform → renorm → rotation-invariant → pool → log.
/// </summary>
public sealed record CoefficientOptions
{
    public static readonly CoefficientOptions Default = new();

    /// <summary>How the image is padded to (Hp, Wp): numpy's np.pad modes.</summary>
    [FeatureShaping("padding")]
    public PaddingMode Padding { get; init; } = PaddingMode.Reflect;
    /// <summary>Replace the orientation channels by the moduli of their DFT along the orientations.</summary>
    [FeatureShaping("rotation_invariant")]
    public bool RotationInvariant { get; init; }
    /// <summary>Divide order 1 by order 0 and order 2 by its parent order 1 (plus ε), position by position.</summary>
    [FeatureShaping("renorm")]
    public bool Renorm { get; init; }
    /// <summary>log(max(S, 0) + ε) on every channel, as the last step.</summary>
    [FeatureShaping("log")]
    public bool Log { get; init; }

    /// <summary>ε of --renorm and --log: 2⁻²⁰.</summary>
    public const float Epsilon = 1f / (1 << 20);

    [NotFeatureShaping]
    public bool IsDefault => this == Default;

    /// <summary>Records the options that differ from the default (none for a default run, so its output is unchanged):
    /// the switches as true, the others as their text.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        var defaults = FeatureShaping.Of(Default);
        foreach (var ((name, text), (_, standard)) in FeatureShaping.Of(this).Zip(defaults))
        {
            if (text == standard) continue;
            if (text == FeatureShaping.Text(true)) json.WriteBoolean(name, true);
            else json.WriteString(name, text);
        }
    }

    /// <summary>"padding zero, renorm, rotation-invariant, log", or "" for the defaults.</summary>
    public string Describe() => string.Join(", ", new[]
    {
        Padding != PaddingMode.Reflect ? "padding " + PadIndex.Name(Padding) : null,
        Renorm ? "renorm" : null,
        RotationInvariant ? "rotation-invariant" : null,
        Log ? "log" : null,
    }.Where(s => s is not null));
}
