using System.Numerics;

namespace Scat.Transform;

/// <summary>
/// Plain double-precision complex FFT of any length (recursive mixed radix, direct DFT for prime factors).
/// Used once per size to build the filter bank, never in the hot path.
/// </summary>
internal static class Fft64
{
    /// <summary>In-place unnormalised forward DFT of every row, then every column, of a rows × cols array.</summary>
    public static void Forward2D(Complex[] data, int rows, int cols)
    {
        var line = new Complex[Math.Max(rows, cols)];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(data, r * cols, line, 0, cols);
            var y = Forward(line.AsSpan(0, cols).ToArray());
            Array.Copy(y, 0, data, r * cols, cols);
        }
        var col = new Complex[rows];
        for (int c = 0; c < cols; c++)
        {
            for (int r = 0; r < rows; r++) col[r] = data[r * cols + c];
            var y = Forward(col);
            for (int r = 0; r < rows; r++) data[r * cols + c] = y[r];
        }
    }

    /// <summary>Unnormalised forward DFT X[k] = Σ x[n] e^{−2πi kn/N}.</summary>
    public static Complex[] Forward(Complex[] x)
    {
        int n = x.Length;
        if (n == 1) return [x[0]];
        int p = SmallestFactor(n);
        if (p == n) return Direct(x);
        int m = n / p;
        // Decimation in time: p interleaved sub-sequences of length m.
        var subs = new Complex[p][];
        for (int r = 0; r < p; r++)
        {
            var s = new Complex[m];
            for (int i = 0; i < m; i++) s[i] = x[i * p + r];
            subs[r] = Forward(s);
        }
        var y = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = Complex.Zero;
            for (int r = 0; r < p; r++)
                acc += subs[r][k % m] * Twiddle((long)r * k, n);
            y[k] = acc;
        }
        return y;
    }

    private static Complex[] Direct(Complex[] x)
    {
        int n = x.Length;
        var y = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex acc = Complex.Zero;
            for (int i = 0; i < n; i++) acc += x[i] * Twiddle((long)i * k, n);
            y[k] = acc;
        }
        return y;
    }

    private static Complex Twiddle(long e, int n)
    {
        double a = -2.0 * Math.PI * (e % n) / n;
        return new Complex(Math.Cos(a), Math.Sin(a));
    }

    internal static int SmallestFactor(int n)
    {
        if (n % 2 == 0) return 2;
        for (int f = 3; (long)f * f <= n; f += 2)
            if (n % f == 0) return f;
        return n;
    }
}
