using System.Numerics;

namespace Scat.Transform;

/// <summary>
/// Plain double-precision complex FFT of any length (recursive mixed radix, direct DFT for prime factors).
/// Used once per size to build the filter bank, never in the hot path. The twiddles of a transform of length N
/// come from one table of the N roots of unity (the sub-transforms of length N/p read it with a stride): the
/// cosine and sine per butterfly took most of a bank's build time (1.1 s at 264², J = 2, L = 8, on 2 cores).
/// </summary>
internal static class Fft64
{
    /// <summary>In-place unnormalised forward DFT of every row, then every column, of a rows × cols array.</summary>
    public static void Forward2D(Complex[] data, int rows, int cols)
    {
        var rowRoots = Roots(cols);
        var colRoots = rows == cols ? rowRoots : Roots(rows);
        var line = new Complex[cols];
        for (int r = 0; r < rows; r++)
        {
            // The DFT of a row of +0 is +0 exactly (every product and sum of the butterflies is a +0 or −0 added to
            // +0): the row is left as it is. The small wavelets are zero on most rows.
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

    /// <summary>Unnormalised forward DFT X[k] = Σ x[n] e^{−2πi kn/N}.</summary>
    public static Complex[] Forward(Complex[] x) => Forward(x, Roots(x.Length));

    /// <summary>e^{−2πi e/N} for e = 0..N−1.</summary>
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

    /// <param name="x">The signal, of a length N that divides <paramref name="roots"/>' length.</param>
    /// <param name="roots">The roots of unity of a multiple of N: e^{−2πi e/N} is roots[e · (roots.Length / N)].</param>
    private static Complex[] Forward(Complex[] x, Complex[] roots)
    {
        int n = x.Length;
        if (n == 1) return [x[0]];
        int stride = roots.Length / n;
        int p = SmallestFactor(n);
        if (p == n) return Direct(x, roots, stride);
        int m = n / p;
        // Decimation in time: p interleaved sub-sequences of length m.
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

    internal static int SmallestFactor(int n)
    {
        if (n % 2 == 0) return 2;
        for (int f = 3; (long)f * f <= n; f += 2)
            if (n % f == 0) return f;
        return n;
    }
}
