using System.Numerics;

namespace Scat.Transform;

/// <summary>One wavelet ψ(j, θ) with its Fourier-domain filter at each resolution it is used at.</summary>
public sealed record Wavelet(int J, int Theta, float[][] Levels);

/// <summary>
/// The Morlet filter bank of SCATTERING.md, built in double in the Fourier domain at the padded size and
/// stored in float32: wavelets ψ(j, θ) at resolutions r &lt; min(j + 1, max(J − 1, 1)), the low-pass φ at r = 0..J−1.
/// A filter at resolution r is an (Hp / 2^r) × (Wp / 2^r) row-major array of real values.
/// Built once per (Hp, Wp, J, L) and shared by every backend.
/// </summary>
public sealed class FilterBank
{
    public int PaddedHeight { get; }
    public int PaddedWidth { get; }
    public int J { get; }
    public int L { get; }
    /// <summary>Wavelets in channel order: j major, θ minor.</summary>
    public IReadOnlyList<Wavelet> Wavelets { get; }
    /// <summary>φ at resolutions 0..J−1.</summary>
    public float[][] LowPass { get; }

    private static readonly Dictionary<(int, int, int, int), FilterBank> Cache = new();
    private static readonly Queue<(int, int, int, int)> CacheOrder = new();
    private static long _cachedBytes;

    /// <summary>The most bytes of filters the cache keeps (images at their own sizes need a bank per padded size);
    /// the oldest banks are dropped first (an engine still using one keeps it alive).</summary>
    public const long CacheBytes = 256L << 20;

    /// <summary>Banks in the cache now (for tests).</summary>
    internal static int CachedCount { get { lock (Cache) return Cache.Count; } }

    /// <summary>The bank for a layout, built once per (Hp, Wp, J, L) while it stays in the cache (bounded by
    /// <see cref="CacheBytes"/>): images of different sizes with one padded size share it. Built under the cache's
    /// lock (the build itself runs on every core).</summary>
    public static FilterBank For(ScatteringLayout layout)
    {
        var key = (layout.PaddedHeight, layout.PaddedWidth, layout.J, layout.L);
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var known)) return known;
            var bank = new FilterBank(key.PaddedHeight, key.PaddedWidth, key.J, key.L);
            Cache[key] = bank;
            CacheOrder.Enqueue(key);
            _cachedBytes += bank.Bytes;
            while (_cachedBytes > CacheBytes && CacheOrder.Count > 1)
            {
                var old = CacheOrder.Dequeue();
                _cachedBytes -= Cache[old].Bytes;
                Cache.Remove(old);
            }
            return bank;
        }
    }

    /// <summary>The memory of the bank's filters.</summary>
    public long Bytes => 4L * (Wavelets.Sum(w => w.Levels.Sum(l => (long)l.Length)) + LowPass.Sum(l => (long)l.Length));

    public FilterBank(int paddedHeight, int paddedWidth, int j, int l)
    {
        PaddedHeight = paddedHeight; PaddedWidth = paddedWidth; J = j; L = l;
        int m = paddedHeight, n = paddedWidth;
        var wavelets = new Wavelet[j * l];
        Parallel.For(0, j * l, index =>
        {
            int scale = index / l, t = index % l;
            double sigma = 0.8 * Math.Pow(2, scale);
            double theta = (Math.Floor(l - l / 2.0 - 1) - t) * Math.PI / l;
            double xi = 3.0 / 4.0 * Math.PI / Math.Pow(2, scale);
            double slant = 4.0 / l;
            var fourier = RealFourier(Morlet(m, n, sigma, theta, xi, slant), m, n);
            int levels = Math.Min(scale + 1, Math.Max(j - 1, 1));
            var lv = new float[levels][];
            for (int r = 0; r < levels; r++) lv[r] = PeriodizeFilter(fourier, m, n, r);
            wavelets[index] = new Wavelet(scale, t, lv);
        });
        Wavelets = wavelets;
        var phi = RealFourier(Gabor(m, n, 0.8 * Math.Pow(2, j - 1), 0, 0, 1), m, n);
        LowPass = new float[j][];
        for (int r = 0; r < j; r++) LowPass[r] = PeriodizeFilter(phi, m, n, r);
    }

    /// <summary>
    /// A periodised copy's term with exponent q below −this is left out of the Gabor sums: e^−200 ≈ 1.4e−87, and the
    /// filters are stored in float32, whose smallest value is 1.4e−45, so the terms left out (fewer than 25 per pixel
    /// times the pixels, summed by the DFT) are some 1e−80 in absolute value and do not reach a float's last bit. It
    /// makes most of the periodised copies (and whole rows of the small wavelets, which the DFT then skips) vanish;
    /// the banks were compared bit for bit with those of the exact cut at exp's underflow (−746) over many sizes.
    /// </summary>
    internal const double NegligibleExponent = 200;

    /// <summary>Gabor filter in space, summed over the 5 × 5 periodic copies, divided by 2·3.1415·σ²/s.</summary>
    internal static Complex[] Gabor(int m, int n, double sigma, double theta, double xi, double slant) =>
        Gabor(m, n, sigma, theta, xi, slant, null);

    /// <summary>
    /// <see cref="Gabor(int, int, double, double, double, double)"/>, and when <paramref name="envelope"/> is given,
    /// the same with ξ = 0 into it from the same exponentials (a Morlet needs both).
    /// </summary>
    private static Complex[] Gabor(int m, int n, double sigma, double theta, double xi, double slant, Complex[]? envelope)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        // C = R · diag(1, s²) · R⁻¹ / (2σ²)
        double d = slant * slant, k = 1.0 / (2 * sigma * sigma);
        double c00 = (c * c + d * s * s) * k;
        double c01 = (c * s - d * s * c) * k; // = C10
        double c11 = (s * s + d * c * c) * k;
        var g = new Complex[m * n];
        for (int x0 = 0; x0 < m; x0++)
            for (int y0 = 0; y0 < n; y0++)
            {
                double re = 0, im = 0, sum = 0;
                for (int a = -2; a <= 2; a++)
                {
                    double x = x0 + a * m;
                    for (int b = -2; b <= 2; b++)
                    {
                        double y = y0 + b * n;
                        double q = -(c00 * x * x + 2 * c01 * x * y + c11 * y * y);
                        if (q < -NegligibleExponent) continue; // see NegligibleExponent
                        double e = Math.Exp(q);
                        sum += e;
                        if (xi == 0) { re += e; continue; }
                        double phase = xi * (x * c + y * s);
                        re += e * Math.Cos(phase);
                        im += e * Math.Sin(phase);
                    }
                }
                g[x0 * n + y0] = new Complex(re, im);
                if (envelope != null) envelope[x0 * n + y0] = sum;
            }
        double norm = 2 * 3.1415 * sigma * sigma / slant;
        for (int i = 0; i < g.Length; i++) g[i] /= norm;
        if (envelope != null)
            for (int i = 0; i < envelope.Length; i++) envelope[i] /= norm;
        return g;
    }

    /// <summary>Morlet ψ = g(σ, θ, ξ, s) − κ g(σ, θ, 0, s), κ chosen so that ψ has zero mean.</summary>
    internal static Complex[] Morlet(int m, int n, double sigma, double theta, double xi, double slant)
    {
        var envelope = new Complex[m * n];
        var wave = Gabor(m, n, sigma, theta, xi, slant, envelope);
        Complex sw = Complex.Zero, se = Complex.Zero;
        for (int i = 0; i < wave.Length; i++) { sw += wave[i]; se += envelope[i]; }
        var kappa = sw / se;
        for (int i = 0; i < wave.Length; i++) wave[i] -= kappa * envelope[i];
        return wave;
    }

    /// <summary>Real part of the unnormalised 2D DFT of a spatial filter.</summary>
    internal static double[] RealFourier(Complex[] spatial, int m, int n)
    {
        Fft64.Forward2D(spatial, m, n);
        var re = new double[m * n];
        for (int i = 0; i < re.Length; i++) re[i] = spatial[i].Real;
        return re;
    }

    /// <summary>The filter at resolution r: zero the band the subsampling discards, then fold by 2^r.</summary>
    internal static float[] PeriodizeFilter(double[] filter, int m, int n, int r)
    {
        int f = 1 << r, mr = m / f, nr = n / f;
        var masked = (double[])filter.Clone();
        if (r > 0)
        {
            int startX = (int)(m * Math.Pow(2, -r - 1)), lenX = (int)(m * (1 - Math.Pow(2, -r)));
            int startY = (int)(n * Math.Pow(2, -r - 1)), lenY = (int)(n * (1 - Math.Pow(2, -r)));
            for (int u = startX; u < startX + lenX; u++)
                for (int v = 0; v < n; v++) masked[u * n + v] = 0;
            for (int u = 0; u < m; u++)
                for (int v = startY; v < startY + lenY; v++) masked[u * n + v] = 0;
        }
        var outp = new float[mr * nr];
        for (int k = 0; k < mr; k++)
            for (int l = 0; l < nr; l++)
            {
                double acc = 0;
                for (int i = 0; i < f; i++)
                    for (int j = 0; j < f; j++)
                        acc += masked[(k + i * mr) * n + l + j * nr];
                outp[k * nr + l] = (float)acc;
            }
        return outp;
    }
}
