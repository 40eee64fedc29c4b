namespace Scat.Transform;

/// <summary>
/// Meta of one scattering channel k: order and the paper's indices (−1 where a field does not apply). A channel
/// of a rotation-invariant output (--rotation-invariant) has no θ: it has the orientation offset
/// <paramref name="Delta"/> (order 2) and the angular frequency <paramref name="Freq"/> instead.
/// </summary>
public readonly record struct ChannelMeta(int Order, int J1, int Theta1, int J2, int Theta2, int Delta = -1, int Freq = -1);

/// <summary>
/// The fields a list of channels is described by, in files (NPZ arrays, Parquet "channels" JSON) and by scat info:
/// order, j1, theta1, j2, theta2 for the plain transform; order, j1, j2, delta, freq for a rotation-invariant one.
/// </summary>
public static class ChannelFields
{
    public static readonly IReadOnlyList<string> Plain = ["order", "j1", "theta1", "j2", "theta2"];
    public static readonly IReadOnlyList<string> RotationInvariant = ["order", "j1", "j2", "delta", "freq"];

    /// <summary>True when the channels are angular Fourier moduli (some channel has a frequency).</summary>
    public static bool IsRotationInvariant(IEnumerable<ChannelMeta> channels) => channels.Any(c => c.Freq >= 0);

    public static IReadOnlyList<string> Of(IEnumerable<ChannelMeta> channels) =>
        IsRotationInvariant(channels) ? RotationInvariant : Plain;

    public static int Value(ChannelMeta c, string field) => field switch
    {
        "order" => c.Order,
        "j1" => c.J1,
        "theta1" => c.Theta1,
        "j2" => c.J2,
        "theta2" => c.Theta2,
        "delta" => c.Delta,
        "freq" => c.Freq,
        _ => throw new ArgumentException($"no channel field '{field}'", nameof(field)),
    };

    /// <summary>
    /// Channels from per-field columns (<paramref name="column"/> gives a field's values or null where absent):
    /// the rotation-invariant fields when present, else the plain ones; null when neither set is complete.
    /// </summary>
    public static List<ChannelMeta>? Read(Func<string, long[]?> column)
    {
        foreach (var fields in new[] { RotationInvariant, Plain })
        {
            var cols = fields.Select(column).ToArray();
            if (cols.Any(c => c is null)) continue;
            int n = cols[0]!.Length;
            if (cols.Any(c => c!.Length != n)) throw new FormatException("channel meta arrays of different lengths");
            int Get(string f, int k) => fields.Contains(f) ? (int)cols[fields.ToList().IndexOf(f)]![k] : -1;
            return Enumerable.Range(0, n).Select(k => new ChannelMeta(Get("order", k), Get("j1", k), Get("theta1", k), Get("j2", k),
                Get("theta2", k), Get("delta", k), Get("freq", k))).ToList();
        }
        return null;
    }
}

/// <summary>
/// Everything that follows from (H, W, J, L, order): padded size, output size, channel count and order.
/// See SCATTERING.md in the repository's docs for the contract.
/// </summary>
public sealed class ScatteringLayout
{
    public int Height { get; }
    public int Width { get; }
    public int J { get; }
    public int L { get; }
    public int Order { get; }
    /// <summary>How the image is extended to (Hp, Wp); reflect unless asked otherwise.</summary>
    public PaddingMode Padding { get; }
    /// <summary>Padded height Hp = ((H + 2^J) div 2^J + 1) · 2^J.</summary>
    public int PaddedHeight { get; }
    public int PaddedWidth { get; }
    public int PadTop { get; }
    public int PadLeft { get; }
    /// <summary>H' = Hp / 2^J − 2.</summary>
    public int OutHeight { get; }
    public int OutWidth { get; }
    /// <summary>Number of scattering channels K per image channel.</summary>
    public int K => Channels.Count;
    public IReadOnlyList<ChannelMeta> Channels { get; }
    public int OutPlaneSize => OutHeight * OutWidth;
    /// <summary>Floats of output per input plane: K · H' · W'.</summary>
    public int OutputPerPlane => K * OutHeight * OutWidth;

    public ScatteringLayout(int height, int width, int j, int l, int order, PaddingMode padding = PaddingMode.Reflect)
    {
        Validate(height, width, j, l, order);
        if (!Enum.IsDefined(padding)) throw new ArgumentOutOfRangeException(nameof(padding));
        Height = height; Width = width; J = j; L = l; Order = order; Padding = padding;
        int s = 1 << j;
        PaddedHeight = ((height + s) / s + 1) * s;
        PaddedWidth = ((width + s) / s + 1) * s;
        PadTop = (PaddedHeight - height) / 2;
        PadLeft = (PaddedWidth - width) / 2;
        OutHeight = PaddedHeight / s - 2;
        OutWidth = PaddedWidth / s - 2;
        Channels = BuildChannels(j, l, order);
    }

    /// <summary>The reason (H, W, J, L, order) is not a valid transform, or null.</summary>
    public static string? Problem(int height, int width, int j, int l, int order)
    {
        if (j < 1) return $"J must be at least 1 (got {j})";
        if (j > 30) return $"J={j} is far too large";
        if (l < 1) return $"L must be at least 1 (got {l})";
        if (order is not (1 or 2)) return $"order must be 1 or 2 (got {order})";
        if (height < 1 || width < 1) return $"image size {Messages.Size(height, width)} is empty";
        if ((1 << j) > Math.Min(height, width))
            return $"J={j} needs images of at least {1 << j} pixels on each side (2^J <= min(height, width)), got {Messages.Size(height, width)}";
        return null;
    }

    public static void Validate(int height, int width, int j, int l, int order)
    {
        if (Problem(height, width, j, l, order) is { } p) throw new ArgumentException(p);
    }

    /// <summary>K = 1 + J·L (order 1) or 1 + J·L + L²·J(J−1)/2 (order 2).</summary>
    public static int ChannelCount(int j, int l, int order) =>
        1 + j * l + (order == 2 ? l * l * j * (j - 1) / 2 : 0);

    /// <summary>Index of the order-1 channel (j1, t1).</summary>
    public int FirstOrderIndex(int j1, int t1) => 1 + j1 * L + t1;

    /// <summary>Index of the order-2 channel ((j1, t1), (j2, t2)), j2 &gt; j1.</summary>
    public int SecondOrderIndex(int j1, int t1, int j2, int t2)
    {
        // λ1 major, λ2 minor; for λ1 = (j1, t1) the λ2 run over j2 = j1+1..J−1, t2 = 0..L−1.
        int index = 1 + J * L;
        for (int a = 0; a < j1; a++) index += L * (J - 1 - a) * L;
        index += t1 * (J - 1 - j1) * L;
        index += (j2 - j1 - 1) * L + t2;
        return index;
    }

    private static List<ChannelMeta> BuildChannels(int j, int l, int order)
    {
        var list = new List<ChannelMeta>(ChannelCount(j, l, order)) { new(0, -1, -1, -1, -1) };
        for (int j1 = 0; j1 < j; j1++)
            for (int t1 = 0; t1 < l; t1++)
                list.Add(new(1, j1, t1, -1, -1));
        if (order == 2)
            for (int j1 = 0; j1 < j; j1++)
                for (int t1 = 0; t1 < l; t1++)
                    for (int j2 = j1 + 1; j2 < j; j2++)
                        for (int t2 = 0; t2 < l; t2++)
                            list.Add(new(2, j1, t1, j2, t2));
        return list;
    }
}
