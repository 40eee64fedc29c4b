using System.Numerics;
using System.Runtime.CompilerServices;

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

    /// <summary>
    /// Builds the bank. Every float is bit for bit what the first, plain construction gave (kept in the tests as
    /// <c>ReferenceFilterBank</c> and compared float for float): the same IEEE operations per value in the same order,
    /// only the waste gone. Where the time went, at 336 × 432, J = 3, L = 8 on the 2-core AMD EPYC (1.1 s then): the
    /// 2D double FFT (45–115 ms per filter; see <see cref="Fft64"/>), the Gabor sums over all 25 periodic copies of
    /// every pixel (~20 ms; see <see cref="Gabor(int, int, double, double, double, double, Complex[])"/>), arrays of
    /// the full size allocated per filter and step (page faults), a periodisation that copied the filter per level,
    /// and φ built after the wavelets on one core. Now the filters (φ too) share both cores, the widest first, each
    /// worker reusing one set of buffers. Measured figures: docs/benchmarks.md (issue 21).
    /// </summary>
    public FilterBank(int paddedHeight, int paddedWidth, int j, int l)
    {
        PaddedHeight = paddedHeight; PaddedWidth = paddedWidth; J = j; L = l;
        int m = paddedHeight, n = paddedWidth;
        var wavelets = new Wavelet[j * l];
        float[][] lowPass = [];
        Parallel.For(0, j * l + 1, () => new Workspace(m, n), (item, _, ws) =>
        {
            if (item == 0)
            {
                // φ, about as wide as the widest wavelets.
                var phi = ws.Fourier(0.8 * Math.Pow(2, j - 1), 0, 0, 1, morlet: false);
                var lp = new float[j][];
                for (int r = 0; r < j; r++) lp[r] = PeriodizeFilter(phi, m, n, r);
                lowPass = lp;
                return ws;
            }
            int index = j * l - item;
            int scale = index / l, t = index % l;
            double sigma = 0.8 * Math.Pow(2, scale);
            double theta = (Math.Floor(l - l / 2.0 - 1) - t) * Math.PI / l;
            double xi = 3.0 / 4.0 * Math.PI / Math.Pow(2, scale);
            double slant = 4.0 / l;
            var fourier = ws.Fourier(sigma, theta, xi, slant, morlet: true);
            int levels = Math.Min(scale + 1, Math.Max(j - 1, 1));
            var lv = new float[levels][];
            for (int r = 0; r < levels; r++) lv[r] = PeriodizeFilter(fourier, m, n, r);
            wavelets[index] = new Wavelet(scale, t, lv);
            return ws;
        }, _ => { });
        Wavelets = wavelets;
        LowPass = lowPass;
    }

    /// <summary>One worker's buffers for the filters of one size: the spatial filter (split real and imaginary, column
    /// by column as the FFT reads it, +0 outside the spans last written, which are cleared before the next filter),
    /// the envelope (the same way), the FFT's.</summary>
    private sealed class Workspace(int m, int n)
    {
        private readonly Fft64.Workspace2D _fft = new(m, n, realOnly: true);
        private readonly double[] _envelope = new double[m * n];

        /// <summary>The real part of the 2D DFT of the Morlet (or, with <paramref name="morlet"/> false, the Gabor)
        /// filter; valid until the next call.</summary>
        public double[] Fourier(double sigma, double theta, double xi, double slant, bool morlet)
        {
            var spans = Gabor(m, n, sigma, theta, xi, slant, _fft.SourceRe, _fft.SourceIm, morlet ? _envelope : null);
            if (morlet) SubtractMean(m, spans, _fft.SourceRe, _fft.SourceIm, _envelope);
            for (int x = 0; x < m; x++) _fft.BusyRow[x] = spans.Start[x + 1] > spans.Start[x];
            Fft64.Transform(_fft);
            spans.Clear(m, _fft.SourceRe, _fft.SourceIm);
            if (morlet) spans.Clear(m, _envelope);
            return _fft.OutRe;
        }
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
        double[] re = new double[m * n], im = new double[m * n];
        double[]? env = envelope == null ? null : new double[m * n];
        Gabor(m, n, sigma, theta, xi, slant, re, im, env);
        var g = new Complex[m * n];
        for (int x = 0; x < m; x++)
            for (int y = 0; y < n; y++)
            {
                g[x * n + y] = new Complex(re[y * m + x], im[y * m + x]);
                if (envelope != null) envelope[x * n + y] = new Complex(env![y * m + x], 0);
            }
        return g;
    }

    /// <summary>Per row x, the column spans [Lo[i], Hi[i]] for i in [Start[x], Start[x + 1]) outside which a spatial
    /// filter is +0.</summary>
    private sealed record Spans(int[] Start, int[] Lo, int[] Hi)
    {
        public int Rows => Start.Length - 1;

        /// <summary>Sets the spans' values back to +0 in column-major planes of <paramref name="m"/> rows.</summary>
        public void Clear(int m, params ReadOnlySpan<double[]> planes)
        {
            for (int x = 0; x < Rows; x++)
                for (int i = Start[x]; i < Start[x + 1]; i++)
                    foreach (var plane in planes)
                        for (int y = Lo[i]; y <= Hi[i]; y++) plane[y * m + x] = 0;
        }
    }

    /// <summary>
    /// The Gabor filter into <paramref name="re"/>, <paramref name="im"/> (and the envelope's real part into
    /// <paramref name="envelope"/>; its imaginary part is +0), column by column (pixel (x, y) at [y·m + x]), which must
    /// be +0 on entry; returns the spans written.
    /// <para>
    /// Each pixel sums its copies' terms in the order a, b of the plain double loop over all m·n pixels and 25 copies,
    /// each term is left out by the same test (q &lt; −<see cref="NegligibleExponent"/>), and the sums are divided by
    /// the norm as Complex / double does (each part), so the values are bit for bit that loop's; but only the copies
    /// that can pass the test are visited. q = −(x, y) C (x, y)ᵀ ≤ −λ·(x² + y²), λ = min(1, s²)/(2σ²) the smaller
    /// eigenvalue of C, so a term with x² + y² above (<see cref="NegligibleExponent"/> + 1)/λ (one pixel more each way)
    /// cannot pass: a margin far above the rounding of q. The pixels no copy reaches stay +0, as the loop left them.
    /// (Visiting all 25·m·n took some 20 ms per filter at 336 × 432.)
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Spans Gabor(int m, int n, double sigma, double theta, double xi, double slant, double[] re, double[] im, double[]? envelope)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        // C = R · diag(1, s²) · R⁻¹ / (2σ²)
        double d = slant * slant, k = 1.0 / (2 * sigma * sigma);
        double c00 = (c * c + d * s * s) * k;
        double c01 = (c * s - d * s * c) * k; // = C10
        double c11 = (s * s + d * c * c) * k;
        double norm = 2 * 3.1415 * sigma * sigma / slant;
        double reach2 = (NegligibleExponent + 1) / (Math.Min(1, d) * k);
        Span<(int A, int B, int Lo, int Hi)> copies = stackalloc (int, int, int, int)[25];
        Span<(int Lo, int Hi)> spans = stackalloc (int, int)[25];
        var spanStart = new int[m + 1];
        List<int> los = [], his = [];
        for (int x0 = 0; x0 < m; x0++)
        {
            int count = 0;
            for (int a = -2; a <= 2; a++)
            {
                double x = x0 + a * m;
                double rest = reach2 - x * x;
                if (rest < 0) continue;
                double h = Math.Sqrt(rest) + 1;
                for (int b = -2; b <= 2; b++)
                {
                    // |y0 + b·n| ≤ h
                    double from = Math.Max(0, Math.Ceiling(-h - (double)b * n)), to = Math.Min(n - 1, Math.Floor(h - (double)b * n));
                    if (from <= to) copies[count++] = (a, b, (int)from, (int)to);
                }
            }
            int spanCount = MergeSpans(copies[..count], spans);
            for (int i = 0; i < spanCount; i++)
            {
                los.Add(spans[i].Lo); his.Add(spans[i].Hi);
                for (int y0 = spans[i].Lo; y0 <= spans[i].Hi; y0++)
                {
                    double sumRe = 0, sumIm = 0, sum = 0;
                    for (int t = 0; t < count; t++)
                    {
                        var (a, b, lo, hi) = copies[t];
                        if (y0 < lo || y0 > hi) continue;
                        double x = x0 + a * m;
                        double y = y0 + b * n;
                        double q = -(c00 * x * x + 2 * c01 * x * y + c11 * y * y);
                        if (q < -NegligibleExponent) continue; // see NegligibleExponent
                        double e = Math.Exp(q);
                        sum += e;
                        if (xi == 0) { sumRe += e; continue; }
                        double phase = xi * (x * c + y * s);
                        sumRe += e * Math.Cos(phase);
                        sumIm += e * Math.Sin(phase);
                    }
                    re[y0 * m + x0] = sumRe / norm;
                    im[y0 * m + x0] = sumIm / norm;
                    if (envelope != null) envelope[y0 * m + x0] = sum / norm;
                }
            }
            spanStart[x0 + 1] = los.Count;
        }
        return new Spans(spanStart, [.. los], [.. his]);
    }

    /// <summary>The union of the copies' column ranges as disjoint spans in increasing order; returns their count.</summary>
    private static int MergeSpans(ReadOnlySpan<(int A, int B, int Lo, int Hi)> copies, Span<(int Lo, int Hi)> spans)
    {
        int count = 0;
        foreach (var copy in copies) spans[count++] = (copy.Lo, copy.Hi);
        spans[..count].Sort();
        int merged = 0;
        for (int i = 0; i < count; i++)
        {
            if (merged > 0 && spans[i].Lo <= spans[merged - 1].Hi + 1)
                spans[merged - 1].Hi = Math.Max(spans[merged - 1].Hi, spans[i].Hi);
            else spans[merged++] = spans[i];
        }
        return merged;
    }

    /// <summary>Morlet ψ = g(σ, θ, ξ, s) − κ g(σ, θ, 0, s), κ chosen so that ψ has zero mean.</summary>
    internal static Complex[] Morlet(int m, int n, double sigma, double theta, double xi, double slant)
    {
        double[] re = new double[m * n], im = new double[m * n], envelope = new double[m * n];
        var spans = Gabor(m, n, sigma, theta, xi, slant, re, im, envelope);
        SubtractMean(m, spans, re, im, envelope);
        var wave = new Complex[m * n];
        for (int x = 0; x < m; x++)
            for (int y = 0; y < n; y++) wave[x * n + y] = new Complex(re[y * m + x], im[y * m + x]);
        return wave;
    }

    /// <summary>
    /// ψ −= κ·envelope, κ = Σψ / Σenvelope, with Complex's operations written out on the parts (the envelope's
    /// imaginary part is +0), on column-major planes of <paramref name="m"/> rows, summed in row-major order as the
    /// plain loop did. Over the spans only: outside them both filters are +0, whose terms leave a sum that
    /// started at +0 as it is, and +0 − κ·(+0) is +0 again, so the values are those of the loops over every pixel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractMean(int m, Spans spans, double[] re, double[] im, double[] envelope)
    {
        double swRe = 0, swIm = 0, seRe = 0, seIm = 0;
        for (int x0 = 0; x0 < spans.Rows; x0++)
            for (int i = spans.Start[x0]; i < spans.Start[x0 + 1]; i++)
                for (int at = spans.Lo[i] * m + x0; at <= spans.Hi[i] * m + x0; at += m)
                {
                    swRe += re[at]; swIm += im[at];
                    seRe += envelope[at]; seIm += 0.0;
                }
        var kappa = new Complex(swRe, swIm) / new Complex(seRe, seIm);
        double kr = kappa.Real, ki = kappa.Imaginary;
        for (int x0 = 0; x0 < spans.Rows; x0++)
            for (int i = spans.Start[x0]; i < spans.Start[x0 + 1]; i++)
                for (int at = spans.Lo[i] * m + x0; at <= spans.Hi[i] * m + x0; at += m)
                {
                    // (kr + ki·i)(e + 0i) = (kr·e − ki·0) + (ki·e + kr·0)i
                    double e = envelope[at];
                    re[at] -= kr * e - ki * 0.0;
                    im[at] -= ki * e + kr * 0.0;
                }
    }

    /// <summary>The filter at resolution r: zero the band the subsampling discards, then fold by 2^r.</summary>
    /// <remarks>The band's values are not added (the plain version added the +0 of a zeroed copy: a sum that started
    /// at +0 is never −0, so adding +0 leaves it as it is); the other terms are added in the same order, i then j.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] PeriodizeFilter(double[] filter, int m, int n, int r)
    {
        int f = 1 << r, mr = m / f, nr = n / f;
        var outp = new float[mr * nr];
        if (r == 0)
        {
            for (int i = 0; i < outp.Length; i++) outp[i] = (float)(0.0 + filter[i]);
            return outp;
        }
        int startX = (int)(m * Math.Pow(2, -r - 1)), lenX = (int)(m * (1 - Math.Pow(2, -r)));
        int startY = (int)(n * Math.Pow(2, -r - 1)), lenY = (int)(n * (1 - Math.Pow(2, -r)));
        var acc = new double[nr];
        for (int k = 0; k < mr; k++)
        {
            Array.Clear(acc);
            for (int i = 0; i < f; i++)
            {
                int u = k + i * mr;
                if (u >= startX && u < startX + lenX) continue;
                for (int j = 0; j < f; j++)
                {
                    // columns v = j·nr + l, l < nr, outside [startY, startY + lenY)
                    int v0 = j * nr;
                    var row = filter.AsSpan(u * n + v0, nr);
                    int cutFrom = Math.Clamp(startY - v0, 0, nr), cutTo = Math.Clamp(startY + lenY - v0, 0, nr);
                    for (int l = 0; l < cutFrom; l++) acc[l] += row[l];
                    for (int l = cutTo; l < nr; l++) acc[l] += row[l];
                }
            }
            for (int l = 0; l < nr; l++) outp[k * nr + l] = (float)acc[l];
        }
        return outp;
    }
}
