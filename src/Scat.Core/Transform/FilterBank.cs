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

    /// <summary>Bytes of the banks in the cache now (for tests).</summary>
    internal static long CachedBytes { get { lock (Cache) return _cachedBytes; } }

    /// <summary>The bound the cache keeps to: <see cref="CacheBytes"/>, lowered by tests (which fill it in
    /// milliseconds with small banks instead of a minute with large ones).</summary>
    internal static long CacheLimit { get; set; } = CacheBytes;

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
            while (_cachedBytes > CacheLimit && CacheOrder.Count > 1)
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
    /// Builds the bank. A filter's Fourier values come from their closed form (<see cref="FourierGabor"/>) wherever the
    /// contract's 5 × 5 spatial copies leave out nothing a filter could show: every filter at the default L = 8, and all
    /// but the widest at large L on small grids. Those few are still the DFT of the spatial filter, built bit for bit
    /// as the first, plain construction built it (kept in the tests as <c>ReferenceFilterBank</c>), fast: the Gabor sums
    /// visit only the copies that count, the 2D double FFT (<see cref="Fft64"/>) skips the rows that are zero, and a
    /// spatial filter is kept as its runs of values. Each filter is then periodised per resolution. The filters (φ too)
    /// share the cores, the costliest first, each worker reusing its buffers. Measured figures: docs/benchmarks.md
    /// (issue 21).
    /// </summary>
    public FilterBank(int paddedHeight, int paddedWidth, int j, int l)
    {
        PaddedHeight = paddedHeight; PaddedWidth = paddedWidth; J = j; L = l;
        int m = paddedHeight, n = paddedWidth;
        var wavelets = new Wavelet[j * l];
        float[][] lowPass = [];
        double slant = 4.0 / l;
        // θ(t) = (c − t)·π/L, so θ(2c − t) = −θ(t) exactly, and a filter at −θ is the one at θ with the frequency
        // columns mirrored (v → −v; Q's cross term and μ's second coordinate change sign, κ does not). Where the
        // closed form applies, one of each such pair is computed and the other mirrored from it. Jobs: the wavelets
        // (with their mirror partner or −1), the costliest first: those left to the DFT (the widest scales, at large L
        // on small grids), then the closed form's from the smallest scale up (its cost grows with a filter's width in
        // frequency); φ (as narrow as the widest wavelets) last.
        int c = (int)Math.Floor(l - l / 2.0 - 1);
        var dft = new List<(int Index, int Mirror)>();
        var closedJobs = new List<(int Index, int Mirror)>();
        for (int scale = 0; scale < j; scale++)
        {
            bool closed = FourierGabor.Applies(m, n, 0.8 * Math.Pow(2, scale), slant);
            for (int t = 0; t < l; t++)
            {
                int partner = 2 * c - t;
                bool paired = closed && partner >= 0 && partner < l && partner != t;
                if (paired && partner < t) continue; // the partner's job makes it
                (closed ? closedJobs : dft).Add((scale * l + t, paired ? scale * l + partner : -1));
            }
        }
        var jobs = dft.Concat(closedJobs).Append((-1, -1)).ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, jobs.Count, options, () => new Workspace(m, n), (item, _, ws) =>
        {
            var (index, mirror) = jobs[item];
            if (index < 0)
            {
                var phi = ws.Fourier(0.8 * Math.Pow(2, j - 1), 0, 0, 1, morlet: false);
                var lp = new float[j][];
                for (int r = 0; r < j; r++) lp[r] = PeriodizeFilter(phi, m, n, r);
                lowPass = lp;
                return ws;
            }
            int scale = index / l, t = index % l;
            double sigma = 0.8 * Math.Pow(2, scale);
            double theta = (c - t) * Math.PI / l;
            double xi = 3.0 / 4.0 * Math.PI / Math.Pow(2, scale);
            var fourier = ws.Fourier(sigma, theta, xi, slant, morlet: true);
            int levels = Math.Min(scale + 1, Math.Max(j - 1, 1));
            wavelets[index] = new Wavelet(scale, t, Levels(fourier, levels));
            if (mirror >= 0) wavelets[mirror] = new Wavelet(scale, mirror % l, Levels(ws.MirrorColumns(fourier), levels));
            return ws;
        }, _ => { });
        Wavelets = wavelets;
        LowPass = lowPass;
    }

    private float[][] Levels(double[] fourier, int levels)
    {
        var lv = new float[levels][];
        for (int r = 0; r < levels; r++) lv[r] = PeriodizeFilter(fourier, PaddedHeight, PaddedWidth, r);
        return lv;
    }

    /// <summary>One worker's buffers for the filters of one size, each made when first needed: the closed form's
    /// array; the spatial filter's runs, the envelope's and the FFT's.</summary>
    private sealed class Workspace(int m, int n)
    {
        private double[]? _closed, _mirrored;

        /// <summary>filter[k1, (−k2) mod n] for every k1, k2; valid until the next call.</summary>
        public double[] MirrorColumns(double[] filter)
        {
            _mirrored ??= GC.AllocateUninitializedArray<double>(m * n);
            for (int k1 = 0; k1 < m; k1++)
            {
                var from = filter.AsSpan(k1 * n, n);
                var to = _mirrored.AsSpan(k1 * n, n);
                to[0] = from[0];
                for (int k2 = 1; k2 < n; k2++) to[k2] = from[n - k2];
            }
            return _mirrored;
        }
        private Fft64.Workspace2D? _fft;
        private readonly Fft64.SparseRows _spatial = new();
        private double[] _envelope = new double[1024];

        /// <summary>The real part of the 2D DFT of the Morlet (or, with <paramref name="morlet"/> false, the Gabor)
        /// filter, row by row; valid until the next call. From the closed form (<see cref="FourierGabor"/>) where the
        /// contract's 5 × 5 copies leave out nothing a filter could show, else by the DFT of the spatial filter.</summary>
        public double[] Fourier(double sigma, double theta, double xi, double slant, bool morlet)
        {
            if (FourierGabor.Applies(m, n, sigma, slant))
            {
                _closed ??= GC.AllocateUninitializedArray<double>(m * n);
                FourierGabor.Fourier(m, n, sigma, theta, xi, slant, morlet, _closed);
                return _closed;
            }
            return Spatial(sigma, theta, xi, slant, morlet);
        }

        private double[] Spatial(double sigma, double theta, double xi, double slant, bool morlet)
        {
            _fft ??= new Fft64.Workspace2D(m, n, realOnly: true);
            if (morlet)
            {
                Gabor(m, n, sigma, theta, xi, slant, _spatial, ref _envelope);
                SubtractMean(_spatial, _envelope);
            }
            else
            {
                double[] none = [];
                Gabor(m, n, sigma, theta, xi, slant, _spatial, ref none);
            }
            Fft64.Transform(_spatial, _fft);
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
    internal static Complex[] Gabor(int m, int n, double sigma, double theta, double xi, double slant)
    {
        var spatial = new Fft64.SparseRows();
        double[] none = [];
        Gabor(m, n, sigma, theta, xi, slant, spatial, ref none);
        return Dense(spatial);
    }

    /// <summary>Morlet ψ = g(σ, θ, ξ, s) − κ g(σ, θ, 0, s), κ chosen so that ψ has zero mean.</summary>
    internal static Complex[] Morlet(int m, int n, double sigma, double theta, double xi, double slant)
    {
        var spatial = new Fft64.SparseRows();
        double[] envelope = new double[1024];
        Gabor(m, n, sigma, theta, xi, slant, spatial, ref envelope);
        SubtractMean(spatial, envelope);
        return Dense(spatial);
    }

    private static Complex[] Dense(Fft64.SparseRows spatial)
    {
        int n = spatial.Cols;
        var g = new Complex[spatial.Rows * n];
        for (int x = 0; x < spatial.Rows; x++)
            for (int i = spatial.Start[x]; i < spatial.Start[x + 1]; i++)
                for (int y = spatial.Lo[i]; y <= spatial.Hi[i]; y++)
                {
                    int at = spatial.Offset[i] + y - spatial.Lo[i];
                    g[x * n + y] = new Complex(spatial.Re[at], spatial.Im[at]);
                }
        return g;
    }

    /// <summary>
    /// The Gabor filter (<see cref="Gabor(int, int, double, double, double, double)"/>) as runs of values into
    /// <paramref name="spatial"/> and, unless <paramref name="envelope"/> is empty, the same with ξ = 0 from the same
    /// exponentials into it (the real parts, at the same places as the filter's values; the imaginary parts are +0):
    /// a Morlet needs both.
    /// <para>
    /// Each pixel sums its copies' terms in the order a, b of the plain double loop over all m·n pixels and 25 copies,
    /// each term is left out by the same test (q &lt; −<see cref="NegligibleExponent"/>), and the sums are divided by
    /// the norm as Complex / double does (each part), so the values are bit for bit that loop's; but only the copies
    /// that can pass the test are visited. q = −(x, y) C (x, y)ᵀ ≤ −λ·(x² + y²), λ = min(1, s²)/(2σ²) the smaller
    /// eigenvalue of C, so a term with x² + y² above (<see cref="NegligibleExponent"/> + 1)/λ (one pixel more each way)
    /// cannot pass: a margin far above the rounding of q. The pixels no copy reaches are +0, as the loop left them, and
    /// are not stored. (Visiting all 25·m·n took some 20 ms per filter at 336 × 432.)
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gabor(int m, int n, double sigma, double theta, double xi, double slant, Fft64.SparseRows spatial, ref double[] envelope)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        // C = R · diag(1, s²) · R⁻¹ / (2σ²)
        double d = slant * slant, k = 1.0 / (2 * sigma * sigma);
        double c00 = (c * c + d * s * s) * k;
        double c01 = (c * s - d * s * c) * k; // = C10
        double c11 = (s * s + d * c * c) * k;
        double norm = 2 * 3.1415 * sigma * sigma / slant;
        double reach2 = (NegligibleExponent + 1) / (Math.Min(1, d) * k);
        bool withEnvelope = envelope.Length > 0;
        Span<(int A, int B, int Lo, int Hi)> copies = stackalloc (int, int, int, int)[25];
        Span<(int Lo, int Hi)> spans = stackalloc (int, int)[25];
        spatial.Reset(m, n);
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
                int at = spatial.AddSpan(spans[i].Lo, spans[i].Hi) - spans[i].Lo;
                if (withEnvelope && envelope.Length < spatial.Count) Array.Resize(ref envelope, Math.Max(2 * envelope.Length, spatial.Count));
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
                    spatial.Re[at + y0] = sumRe / norm;
                    spatial.Im[at + y0] = sumIm / norm;
                    if (withEnvelope) envelope[at + y0] = sum / norm;
                }
            }
            spatial.EndRow(x0);
        }
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

    /// <summary>
    /// ψ −= κ·envelope, κ = Σψ / Σenvelope, with Complex's operations written out on the parts (the envelope's
    /// imaginary part is +0), the sums in row-major order as the plain loops over every pixel made them. Over the
    /// runs only: outside them both filters are +0, whose terms leave a sum that started at +0 as it is, and
    /// +0 − κ·(+0) is +0 again, so the values are those of the loops over every pixel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractMean(Fft64.SparseRows spatial, double[] envelope)
    {
        int count = spatial.Count;
        var re = spatial.Re.AsSpan(0, count);
        var im = spatial.Im.AsSpan(0, count);
        var env = envelope.AsSpan(0, count);
        double swRe = 0, swIm = 0, seRe = 0, seIm = 0;
        for (int i = 0; i < count; i++)
        {
            swRe += re[i]; swIm += im[i];
            seRe += env[i]; seIm += 0.0;
        }
        var kappa = new Complex(swRe, swIm) / new Complex(seRe, seIm);
        double kr = kappa.Real, ki = kappa.Imaginary;
        // (kr + ki·i)(e + 0i) = (kr·e − ki·0) + (ki·e + kr·0)i, lane by lane
        int vc = Vector<double>.Count, v = 0;
        var vkr = new Vector<double>(kr);
        var vki = new Vector<double>(ki);
        var zero = Vector<double>.Zero;
        for (; v + vc <= count; v += vc)
        {
            var e = new Vector<double>(env[v..]);
            (new Vector<double>(re[v..]) - (vkr * e - vki * zero)).CopyTo(re[v..]);
            (new Vector<double>(im[v..]) - (vki * e + vkr * zero)).CopyTo(im[v..]);
        }
        for (; v < count; v++)
        {
            re[v] -= kr * env[v] - ki * 0.0;
            im[v] -= ki * env[v] + kr * 0.0;
        }
    }

    /// <summary>The filter at resolution r: zero the band the subsampling discards, then fold by 2^r.</summary>
    /// <remarks>The band's values are not added (the plain version added the +0 of a zeroed copy: a sum that started
    /// at +0 is never −0, so adding +0 leaves it as it is); the other terms are added in the same order, i then j,
    /// several outputs at once lane by lane.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] PeriodizeFilter(double[] filter, int m, int n, int r)
    {
        int f = 1 << r, mr = m / f, nr = n / f;
        var outp = new float[mr * nr];
        if (r == 0)
        {
            // 0 + filter, the plain sum of one term, lane by lane
            int vc = Vector<double>.Count, i = 0;
            var zero = Vector<double>.Zero;
            for (; i + 2 * vc <= outp.Length; i += 2 * vc)
                Vector.Narrow(zero + new Vector<double>(filter.AsSpan(i)), zero + new Vector<double>(filter.AsSpan(i + vc))).CopyTo(outp.AsSpan(i));
            for (; i < outp.Length; i++) outp[i] = (float)(0.0 + filter[i]);
            return outp;
        }
        int startX = (int)(m * Math.Pow(2, -r - 1)), lenX = (int)(m * (1 - Math.Pow(2, -r)));
        int startY = (int)(n * Math.Pow(2, -r - 1)), lenY = (int)(n * (1 - Math.Pow(2, -r)));
        var row = new double[nr];
        for (int k = 0; k < mr; k++)
        {
            Array.Clear(row);
            for (int i = 0; i < f; i++)
            {
                int u = k + i * mr;
                if (u >= startX && u < startX + lenX) continue;
                for (int j = 0; j < f; j++)
                {
                    // columns v = j·nr + l, l < nr, outside [startY, startY + lenY)
                    int v0 = j * nr;
                    var from = filter.AsSpan(u * n + v0, nr);
                    int cutFrom = Math.Clamp(startY - v0, 0, nr), cutTo = Math.Clamp(startY + lenY - v0, 0, nr);
                    AddTo(row.AsSpan(0, cutFrom), from[..cutFrom]);
                    AddTo(row.AsSpan(cutTo), from[cutTo..]);
                }
            }
            Narrow(row, outp.AsSpan(k * nr, nr));
        }
        return outp;
    }

    /// <summary>acc[i] += values[i], lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddTo(Span<double> acc, ReadOnlySpan<double> values)
    {
        int vc = Vector<double>.Count, i = 0;
        for (; i + vc <= acc.Length; i += vc) (new Vector<double>(acc[i..]) + new Vector<double>(values[i..])).CopyTo(acc[i..]);
        for (; i < acc.Length; i++) acc[i] += values[i];
    }

    /// <summary>to[i] = (float)from[i], lane by lane (the same rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow(ReadOnlySpan<double> from, Span<float> to)
    {
        int vc = Vector<double>.Count, i = 0;
        for (; i + 2 * vc <= to.Length; i += 2 * vc)
            Vector.Narrow(new Vector<double>(from[i..]), new Vector<double>(from[(i + vc)..])).CopyTo(to[i..]);
        for (; i < to.Length; i++) to[i] = (float)from[i];
    }
}
