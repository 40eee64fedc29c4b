namespace Scat.Transform;

/// <summary>
/// How the image is extended to the padded size (Hp, Wp): numpy's <c>np.pad</c> modes. The values are those of
/// the <c>mode</c> argument of kernels/pad.cu (scat_pad_index in scat_common.cuh).
/// </summary>
public enum PaddingMode
{
    /// <summary>np.pad 'reflect': mirror without repeating the edge sample (the default; Kymatio's).</summary>
    Reflect = 0,
    /// <summary>np.pad 'symmetric': mirror repeating the edge sample.</summary>
    Symmetric = 1,
    /// <summary>np.pad 'constant' with 0.</summary>
    Zero = 2,
    /// <summary>np.pad 'wrap': the image repeated periodically.</summary>
    Periodic = 3,
}

/// <summary>
/// The source index of a padded sample, with numpy's semantics for each mode, including pads wider than the
/// signal. The one copy in C# (the CPU engine, --fit pad); kernels/scat_common.cuh mirrors it for the GPU.
/// </summary>
public static class PadIndex
{
    public static readonly string[] Names = ["reflect", "symmetric", "zero", "periodic"];

    public static bool TryParse(string? text, out PaddingMode mode)
    {
        int i = Array.IndexOf(Names, text?.Trim().ToLowerInvariant());
        mode = i < 0 ? PaddingMode.Reflect : (PaddingMode)i;
        return i >= 0;
    }

    public static string Name(PaddingMode mode) => Names[(int)mode];

    /// <summary>
    /// Index into a signal of n samples that position i (any integer) of the padded signal reads, or −1 where
    /// it is zero (mode Zero outside 0..n−1). Reflect: period 2(n − 1) (n = 1 repeats the sample); symmetric:
    /// period 2n; periodic: period n.
    /// </summary>
    public static int Index(PaddingMode mode, int i, int n)
    {
        if ((uint)i < (uint)n) return i;
        switch (mode)
        {
            case PaddingMode.Zero:
                return -1;
            case PaddingMode.Periodic:
                {
                    int m = i % n;
                    return m < 0 ? m + n : m;
                }
            case PaddingMode.Symmetric:
                {
                    int period = 2 * n;
                    int m = i % period;
                    if (m < 0) m += period;
                    return m < n ? m : period - 1 - m;
                }
            default:
                {
                    if (n == 1) return 0;
                    int period = 2 * (n - 1);
                    int m = i % period;
                    if (m < 0) m += period;
                    return m < n ? m : period - m;
                }
        }
    }

    /// <summary>numpy's 'reflect' index (<see cref="Index"/> with <see cref="PaddingMode.Reflect"/>).</summary>
    public static int Reflect(int i, int n) => Index(PaddingMode.Reflect, i, n);
}
