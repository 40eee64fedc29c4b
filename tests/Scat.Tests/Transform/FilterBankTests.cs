using System.Numerics;
using Scat.Transform;

namespace Scat.Tests.Transform;

/// <summary>Properties that follow from the contract's definition of the filters.</summary>
public class FilterBankTests
{
    [Theory]
    [InlineData(40, 40, 2, 8)]
    [InlineData(56, 72, 3, 6)]
    [InlineData(12, 12, 1, 1)]
    public void FiltersAreRealInFourierAndWellNormalised(int hp, int wp, int j, int l)
    {
        // The spatial filters' DFTs are real up to rounding: the imaginary part the bank drops is negligible.
        for (int scale = 0; scale < j; scale++)
        {
            double theta = (Math.Floor(l - l / 2.0 - 1) - 0) * Math.PI / l;
            var psi = FilterBank.Morlet(hp, wp, 0.8 * Math.Pow(2, scale), theta, 3.0 / 4.0 * Math.PI / Math.Pow(2, scale), 4.0 / l);
            Fft64.Forward2D(psi, hp, wp);
            double maxRe = psi.Max(c => Math.Abs(c.Real)), maxIm = psi.Max(c => Math.Abs(c.Imaginary));
            Assert.True(maxIm <= 1e-9 * maxRe, $"wavelet j={scale}: imaginary part {maxIm} vs real {maxRe}");
        }
        var phi = FilterBank.Gabor(hp, wp, 0.8 * Math.Pow(2, j - 1), 0, 0, 1);
        Fft64.Forward2D(phi, hp, wp);
        Assert.True(phi.Max(c => Math.Abs(c.Imaginary)) <= 1e-9);

        var bank = new FilterBank(hp, wp, j, l);
        Assert.Equal(j * l, bank.Wavelets.Count);
        foreach (var w in bank.Wavelets)
        {
            Assert.Equal(Math.Min(w.J + 1, Math.Max(j - 1, 1)), w.Levels.Length);
            for (int r = 0; r < w.Levels.Length; r++)
            {
                Assert.Equal((hp >> r) * (wp >> r), w.Levels[r].Length);
                // Zero mean: the value at frequency 0 vanishes.
                Assert.True(Math.Abs(w.Levels[r][0]) < 1e-6, $"ψ(j={w.J}, θ={w.Theta}) at r={r}: F(0) = {w.Levels[r][0]}");
                Assert.True(w.Levels[r].Max(Math.Abs) > 0.5, "a wavelet has a passband");
            }
        }
        Assert.Equal(j, bank.LowPass.Length);
        // The low-pass passes frequency 0 with gain ~1 (the contract's 3.1415 makes it about 1.00003, not exactly 1).
        double dc = bank.LowPass[0][0];
        Assert.InRange(dc, 1 - 1e-4, 1 + 1e-4);
        Assert.NotEqual(1.0, dc);
        Assert.Equal(Math.PI / 3.1415, dc, 5e-5); // the discrete sum of a small Gaussian is near its integral
    }

    [Fact]
    public void PeriodizedFilterFoldsTheBandKept()
    {
        // At resolution r the filter is the full filter with the discarded band zeroed, folded by 2^r.
        int m = 16, n = 24;
        var f = new double[m * n];
        for (int i = 0; i < f.Length; i++) f[i] = i % 7 + 1;
        var r1 = FilterBank.PeriodizeFilter(f, m, n, 1);
        Assert.Equal(8 * 12, r1.Length);
        // Rows 4..11 and columns 6..17 are zeroed; out[k, l] = Σ in[k + 8i, l + 12j].
        double Masked(int u, int v) => (u >= 4 && u < 12) || (v >= 6 && v < 18) ? 0 : f[u * n + v];
        for (int k = 0; k < 8; k++)
            for (int l = 0; l < 12; l++)
                Assert.Equal(Masked(k, l) + Masked(k + 8, l) + Masked(k, l + 12) + Masked(k + 8, l + 12), r1[k * 12 + l], 1e-4);
        Assert.Equal(f.Select(x => (float)x), FilterBank.PeriodizeFilter(f, m, n, 0));
    }

    [Fact]
    public void Fft64AgreesWithTheDefinition()
    {
        foreach (int n in new[] { 1, 2, 6, 17, 40, 45 })
        {
            var x = Enumerable.Range(0, n).Select(i => new Complex(Math.Sin(i * 1.3), Math.Cos(i * 0.7))).ToArray();
            var y = Fft64.Forward(x);
            for (int k = 0; k < n; k++)
            {
                Complex acc = 0;
                for (int i = 0; i < n; i++) acc += x[i] * Complex.FromPolarCoordinates(1, -2 * Math.PI * i * k / n);
                Assert.True((acc - y[k]).Magnitude < 1e-9 * n, $"n={n} k={k}");
            }
        }
    }
}
