using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scat.Transform;

/// <summary>
/// The Fourier-domain Gabor and Morlet filters of SCATTERING.md computed from their closed form instead of by a 2D
/// DFT of the spatial filter (issue 21: a bank per padded size must cost little next to one image's transform).
/// <para>
/// The contract's spatial filter is the Gabor g summed over the 5 × 5 periodic copies of the grid. Summed over
/// <em>all</em> copies, its DFT at frequency ω = (2πk/Hp, 2πl/Wp) is, by Poisson's formula, the sum over p ∈ ℤ² of the
/// continuous Fourier transform ĝ(ω + 2πp), and ĝ is a Gaussian too: with C the contract's matrix and
/// μ = ξ (cos θ, sin θ), ĝ(ω) = π / √det C · exp(−¼ (ω − μ)ᵀ C⁻¹ (ω − μ)) / (2 · 3.1415 · σ² / s). So each filter value
/// is a short sum of exponentials, and only the frequencies near μ (modulo 2π) are visited. The copies beyond the
/// contract's 25 are left in; <see cref="Applies"/> bounds what they add to a Gabor and leaves the filters for which
/// it could reach 1e−11 to the spatial construction (a Morlet, g − κ·g₀, inherits that error through κ too: some
/// 5e−11 at most, still far below a float32 step). The terms left out here are those with exponent below −<see cref="Cut"/>.
/// </para>
/// <para>
/// The values differ from the DFT construction in the last bits (rounding: the DFT's own is some 1e−16 of the
/// largest value), which may change a feature's last float bit; features stay within the contract's tolerance of
/// Kymatio (tests: the reference cases; FilterBankIdentityTests compares the banks value by value).
/// </para>
/// </summary>
internal static class FourierGabor
{
    /// <summary>A term e^−q with q above this is left out: e^−36 ≈ 2.3e−16 of the filter's peak (about 1), one double rounding step there and below the
    /// rounding noise of the DFT construction, and a float32 filter value cannot tell.</summary>
    internal const double Cut = 36;

    /// <summary>What the copies beyond the contract's 5 × 5 may add to a filter value, at most, for this method to
    /// be used: far below a float32's resolution at the filter's peak (6e−8).</summary>
    internal const double TruncationBound = 1e-11;

    /// <summary>
    /// Whether the closed form gives the contract's filter: the spatial copies the contract leaves out (rows x with
    /// x &lt; −2Hp or x ≥ 3Hp, likewise columns) add at most <see cref="TruncationBound"/> to any Fourier value. Each term
    /// is at most e^−λ(x² + y²)/norm, λ = min(1, s²)/(2σ²) the smaller eigenvalue of C; the bound sums that over the
    /// points left out.
    /// </summary>
    public static bool Applies(int m, int n, double sigma, double slant)
    {
        double lambda = Math.Min(1, slant * slant) / (2 * sigma * sigma);
        double norm = 2 * 3.1415 * sigma * sigma / slant;
        double full = 1 + Math.Sqrt(Math.PI / lambda); // Σ over all y of e^−λy², at most
        // Σ over |x| ≥ X of e^−λx² ≤ 2 e^−λX² / (1 − e^−2λX)
        double Tail(int size)
        {
            double x = 2.0 * size + 1; // the nearest copy left out: −2·size − 1 (x0 = size − 1, a = −3)
            return 2 * Math.Exp(-lambda * x * x) / (1 - Math.Exp(-2 * lambda * x));
        }
        double bound = (Tail(m) * full + Tail(n) * full) / norm;
        return bound < TruncationBound;
    }

    /// <summary>
    /// The real part of the DFT of the Morlet (or, with <paramref name="morlet"/> false, the Gabor) filter into
    /// <paramref name="into"/> (m·n values, row-major). Call only where <see cref="Applies"/>.
    /// </summary>
    public static void Fourier(int m, int n, double sigma, double theta, double xi, double slant, bool morlet, double[] into)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        // C as SCATTERING.md writes it, then Q = ¼ C⁻¹
        double d = slant * slant, k = 1.0 / (2 * sigma * sigma);
        double c00 = (c * c + d * s * s) * k;
        double c01 = (c * s - d * s * c) * k;
        double c11 = (s * s + d * c * c) * k;
        double det = c00 * c11 - c01 * c01;
        var q = new Form(c11 / (4 * det), -c01 / (4 * det), c00 / (4 * det));
        double norm = 2 * 3.1415 * sigma * sigma / slant;
        double amplitude = Math.PI / Math.Sqrt(det) / norm;

        var g = into.AsSpan(0, m * n);
        g.Clear();
        AddGaussian(g, m, n, q, xi * c, xi * s, amplitude);
        if (!morlet) return;
        // ψ = g(ξ) − κ g(0), κ = Σg(ξ) / Σg(0) over space: the DFTs at frequency 0, each the sum over the lattice
        // frequencies 2πp of its Gaussian.
        double kappa = AtZero(q, xi * c, xi * s) / AtZero(q, 0, 0);
        AddGaussian(g, m, n, q, 0, 0, -kappa * amplitude);
    }

    /// <summary>The quadratic form Q = ¼ C⁻¹ of a Gabor filter's Fourier transform: q(du, dv) = Q00 du² + 2 Q01 du dv + Q11 dv².</summary>
    private readonly record struct Form(double Q00, double Q01, double Q11)
    {
        public double Det => Q00 * Q11 - Q01 * Q01;
        public double At(double du, double dv) => Q00 * du * du + 2 * Q01 * du * dv + Q11 * dv * dv;
        /// <summary>How far du reaches on the ellipse q ≤ <see cref="Cut"/> (the smallest q at a given du is du² · det / Q11).</summary>
        public double ReachU => Math.Sqrt(Cut * Q11 / Det);
    }

    /// <summary>Σ e^−q(2πp − μ) over p ∈ ℤ² with q ≤ <see cref="Cut"/>: the periodised Gaussian at frequency 0.</summary>
    private static double AtZero(Form q, double mu0, double mu1)
    {
        double reach = Math.Sqrt(Cut * Math.Max(q.Q00, q.Q11) / q.Det); // covers both axes' reach
        int p0 = (int)Math.Ceiling((Math.Abs(mu0) + reach) / (2 * Math.PI)), p1 = (int)Math.Ceiling((Math.Abs(mu1) + reach) / (2 * Math.PI));
        double sum = 0;
        for (int a = -p0; a <= p0; a++)
            for (int b = -p1; b <= p1; b++)
            {
                double e = q.At(2 * Math.PI * a - mu0, 2 * Math.PI * b - mu1);
                if (e <= Cut) sum += Math.Exp(-e);
            }
        return sum;
    }

    /// <summary>Values between exact exponentials on a run. The products drift from the exact values: the starting
    /// ratio's exponent carries the rounding of q (some 1e−14 near q = <see cref="Cut"/>), which grows linearly to about
    /// 1e−12 relative by a block's end, far below a float32 step.</summary>
    private const int Block = 128;

    /// <summary>
    /// into[i mod m, l mod n] += a · e^−q for every lattice frequency W = (2πi/m, 2πl/n), i, l ∈ ℤ, with
    /// q = (W − μ)ᵀ Q (W − μ) ≤ <see cref="Cut"/>: the Gaussian periodised over 2π. Row by row over the ellipse q ≤ Cut;
    /// each row's run of columns, cut where it wraps around the row, by <see cref="Run"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddGaussian(Span<double> into, int m, int n, Form q, double mu0, double mu1, double a)
    {
        double hu = 2 * Math.PI / m, hv = 2 * Math.PI / n;
        double duMax = q.ReachU;
        long iLo = (long)Math.Ceiling((mu0 - duMax) / hu), iHi = (long)Math.Floor((mu0 + duMax) / hu);
        double step2 = q.Q11 * hv * hv; // q's second difference along a row is 2·step2
        for (long i = iLo; i <= iHi; i++)
        {
            double du = i * hu - mu0;
            double rest = Cut - du * du * q.Det / q.Q11;
            if (rest < 0) continue;
            double centre = mu1 - q.Q01 * du / q.Q11, half = Math.Sqrt(rest / q.Q11);
            long lLo = (long)Math.Ceiling((centre - half) / hv), lHi = (long)Math.Floor((centre + half) / hv);
            var row = into.Slice((int)Mod(i, m) * n, n);
            for (long l = lLo; l <= lHi;)
            {
                int col = (int)Mod(l, n);
                int take = (int)Math.Min(lHi - l + 1, n - col);
                Run(row.Slice(col, take), q, du, l, hv, mu1, step2, a);
                l += take;
            }
        }
    }

    /// <summary>
    /// run[t] += a · e^−q(du, (l0 + t)·hv − μ1) along one row. Each block of <see cref="Block"/> values starts from two
    /// exact exponentials (the value and the ratio to the next); within it four lanes step by products,
    /// e^−q(l+4) = e^−q(l) · R(l) and R(l+4) = R(l) · e^−32·step2 (q's second difference is 2·step2). The same operations
    /// in the same order whether the lanes are a vector register or four scalars, so the values do not depend on the
    /// machine's SIMD width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(Span<double> run, Form q, double du, long l0, double hv, double mu1, double step2, double a)
    {
        double Q(long l) => q.At(du, l * hv - mu1);
        double decay = Math.Exp(-2 * step2), decay4 = Math.Exp(-32 * step2);
        Span<double> value = stackalloc double[4], ratio4 = stackalloc double[4], single = stackalloc double[7];
        for (int b = 0; b < run.Length; b += Block)
        {
            int end = Math.Min(run.Length, b + Block);
            long l = l0 + b;
            double ql = Q(l);
            double v = a * Math.Exp(-ql), r = Math.Exp(-(Q(l + 1) - ql));
            // the first four values and the single-step ratios r(l + k), k < 7, by products
            for (int k = 0; k < 7; k++)
            {
                if (k < 4) value[k] = v;
                single[k] = r;
                v *= r;
                r *= decay;
            }
            for (int k = 0; k < 4; k++) ratio4[k] = single[k] * single[k + 1] * single[k + 2] * single[k + 3];
            int t = b;
            if (Vector256.IsHardwareAccelerated && !ScalarForTests)
            {
                var vv = Vector256.Create((ReadOnlySpan<double>)value);
                var vr = Vector256.Create((ReadOnlySpan<double>)ratio4);
                var vd = Vector256.Create(decay4);
                for (; t + 4 <= end; t += 4)
                {
                    (Vector256.Create((ReadOnlySpan<double>)run[t..]) + vv).CopyTo(run[t..]);
                    vv *= vr;
                    vr *= vd;
                }
                vv.CopyTo(value);
            }
            else
            {
                for (; t + 4 <= end; t += 4)
                    for (int k = 0; k < 4; k++)
                    {
                        run[t + k] += value[k];
                        value[k] *= ratio4[k];
                        ratio4[k] *= decay4;
                    }
            }
            for (int k = 0; t < end; t++, k++) run[t] += value[k];
        }
    }

    /// <summary>Tests: take the scalar lanes even where Vector256 is accelerated (the values are the same bits either
    /// way, which is what the test checks, so a bank built meanwhile by another test is unaffected).</summary>
    internal static bool ScalarForTests { get => _scalarForTests; set => _scalarForTests = value; }

    private static volatile bool _scalarForTests;

    private static long Mod(long x, int m) => ((x % m) + m) % m;
}
