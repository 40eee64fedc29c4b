using System.Numerics;

namespace Scat.Tests.Transform;

/// <summary>
/// The OLD construction of the filter bank, as FilterBank and Fft64 built it before issue 21 made the build fast
/// (main at 957b3b0), kept unchanged here only to check the new construction bit for bit
/// (<see cref="FilterBankIdentityTests"/>). Slow (a second and more per bank at a few hundred pixels a side): not for
/// production use, and not to be "improved" — its value is that it is the old code.
/// </summary>
internal static class ReferenceFilterBank
{
    private const double NegligibleExponent = 200;

    /// <summary>The wavelets' levels in channel order (j major, θ minor), and φ's levels, as the old constructor built them.</summary>
    public static (float[][][] Wavelets, float[][] LowPass) Build(int m, int n, int j, int l)
    {
        var wavelets = new float[j * l][][];
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
            wavelets[index] = lv;
        });
        var phi = RealFourier(Gabor(m, n, 0.8 * Math.Pow(2, j - 1), 0, 0, 1), m, n);
        var lowPass = new float[j][];
        for (int r = 0; r < j; r++) lowPass[r] = PeriodizeFilter(phi, m, n, r);
        return (wavelets, lowPass);
    }

    public static Complex[] Gabor(int m, int n, double sigma, double theta, double xi, double slant) =>
        Gabor(m, n, sigma, theta, xi, slant, null);

    private static Complex[] Gabor(int m, int n, double sigma, double theta, double xi, double slant, Complex[]? envelope)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        double d = slant * slant, k = 1.0 / (2 * sigma * sigma);
        double c00 = (c * c + d * s * s) * k;
        double c01 = (c * s - d * s * c) * k;
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
                        if (q < -NegligibleExponent) continue;
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

    public static Complex[] Morlet(int m, int n, double sigma, double theta, double xi, double slant)
    {
        var envelope = new Complex[m * n];
        var wave = Gabor(m, n, sigma, theta, xi, slant, envelope);
        Complex sw = Complex.Zero, se = Complex.Zero;
        for (int i = 0; i < wave.Length; i++) { sw += wave[i]; se += envelope[i]; }
        var kappa = sw / se;
        for (int i = 0; i < wave.Length; i++) wave[i] -= kappa * envelope[i];
        return wave;
    }

    public static double[] RealFourier(Complex[] spatial, int m, int n)
    {
        Forward2D(spatial, m, n);
        var re = new double[m * n];
        for (int i = 0; i < re.Length; i++) re[i] = spatial[i].Real;
        return re;
    }

    public static float[] PeriodizeFilter(double[] filter, int m, int n, int r)
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

    // The old Fft64: recursive mixed radix, direct DFT for prime factors, one table of roots per transform.

    public static void Forward2D(Complex[] data, int rows, int cols)
    {
        var rowRoots = Roots(cols);
        var colRoots = rows == cols ? rowRoots : Roots(rows);
        var line = new Complex[cols];
        for (int r = 0; r < rows; r++)
        {
            if (IsPositiveZero(data.AsSpan(r * cols, cols))) continue;
            Array.Copy(data, r * cols, line, 0, cols);
            var y = Forward(line, rowRoots);
            Array.Copy(y, 0, data, r * cols, cols);
        }
        var col = new Complex[rows];
        for (int c = 0; c < cols; c++)
        {
            for (int r = 0; r < rows; r++) col[r] = data[r * cols + c];
            var y = Forward(col, colRoots);
            for (int r = 0; r < rows; r++) data[r * cols + c] = y[r];
        }
    }

    private static bool IsPositiveZero(ReadOnlySpan<Complex> values)
    {
        foreach (var v in values)
            if (BitConverter.DoubleToInt64Bits(v.Real) != 0 || BitConverter.DoubleToInt64Bits(v.Imaginary) != 0) return false;
        return true;
    }

    public static Complex[] Forward(Complex[] x) => Forward(x, Roots(x.Length));

    private static Complex[] Roots(int n)
    {
        var w = new Complex[n];
        for (int e = 0; e < n; e++)
        {
            double a = -2.0 * Math.PI * e / n;
            w[e] = new Complex(Math.Cos(a), Math.Sin(a));
        }
        return w;
    }

    private static Complex[] Forward(Complex[] x, Complex[] roots)
    {
        int n = x.Length;
        if (n == 1) return [x[0]];
        int stride = roots.Length / n;
        int p = SmallestFactor(n);
        if (p == n) return Direct(x, roots, stride);
        int m = n / p;
        var subs = new Complex[p][];
        for (int r = 0; r < p; r++)
        {
            var s = new Complex[m];
            for (int i = 0; i < m; i++) s[i] = x[i * p + r];
            subs[r] = Forward(s, roots);
        }
        var y = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = Complex.Zero;
            for (int r = 0; r < p; r++)
                acc += subs[r][k % m] * roots[(int)((long)r * k % n) * stride];
            y[k] = acc;
        }
        return y;
    }

    private static Complex[] Direct(Complex[] x, Complex[] roots, int stride)
    {
        int n = x.Length;
        var y = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = Complex.Zero;
            for (int i = 0; i < n; i++) acc += x[i] * roots[(int)((long)i * k % n) * stride];
            y[k] = acc;
        }
        return y;
    }

    private static int SmallestFactor(int n)
    {
        if (n % 2 == 0) return 2;
        for (int f = 3; (long)f * f <= n; f += 2)
            if (n % f == 0) return f;
        return n;
    }
}
