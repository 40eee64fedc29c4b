using System.Numerics;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Transform;

/// <summary>
/// The filter bank against the old construction kept in <see cref="ReferenceFilterBank"/> (the DFT of the spatial
/// filters, issue 21): the closed form agrees with it to the DFT's rounding, and the filters that still take the
/// DFT route (large L on small grids) are its floats bit for bit.
/// </summary>
public class FilterBankIdentityTests
{
    [Theory]
    [InlineData(40, 40, 2, 8)]
    [InlineData(48, 72, 3, 6)]
    [InlineData(104, 136, 2, 8)]
    [InlineData(72, 56, 4, 4)]
    [InlineData(56, 24, 3, 8)]   // 7·8
    [InlineData(24, 216, 3, 4)]  // 3³·8
    [InlineData(80, 48, 4, 8)]   // 5·16
    [InlineData(94, 106, 1, 8)]  // 2·47, 2·53
    [InlineData(12, 12, 1, 1)]   // slant 4: the Gaussian's narrow axis is the other one
    [InlineData(36, 44, 2, 3)]   // an odd L
    [InlineData(264, 264, 2, 8)] // the paper's 256²
    [InlineData(344, 472, 3, 8)] // 43·8, 59·8: a photo at its own size
    [InlineData(48, 48, 4, 16)]  // L = 16 on the smallest grid J = 4 allows: the closed form is not used for the widest
    public void BanksMatchTheDftConstruction(int hp, int wp, int j, int l)
    {
        var bank = new FilterBank(hp, wp, j, l);
        var (wavelets, lowPass) = ReferenceFilterBank.Build(hp, wp, j, l);
        Assert.Equal(wavelets.Length, bank.Wavelets.Count);
        for (int i = 0; i < wavelets.Length; i++)
        {
            Assert.Equal(wavelets[i].Length, bank.Wavelets[i].Levels.Length);
            for (int r = 0; r < wavelets[i].Length; r++)
                AssertCloseFloats(wavelets[i][r], bank.Wavelets[i].Levels[r], $"ψ {i} at r={r}");
        }
        Assert.Equal(lowPass.Length, bank.LowPass.Length);
        for (int r = 0; r < lowPass.Length; r++) AssertCloseFloats(lowPass[r], bank.LowPass[r], $"φ at r={r}");
    }

    [Fact]
    public void TheClosedFormIsUsedWhereTheContractsCopiesMissNothing()
    {
        // L = 8 on the smallest padded grid of every J (3 · 2^J), the widest wavelets and φ included.
        for (int j = 1; j <= 8; j++)
        {
            int m = 3 << j;
            for (int scale = 0; scale < j; scale++) Assert.True(FourierGabor.Applies(m, m, 0.8 * Math.Pow(2, scale), 0.5), $"J={j}, j={scale}");
            Assert.True(FourierGabor.Applies(m, m, 0.8 * Math.Pow(2, j - 1), 1), $"φ at J={j}");
        }
        // L = 16 (slant 0.25) at 48², J = 4: the copies beyond ±2 grids carry weight for the widest wavelet only.
        Assert.False(FourierGabor.Applies(48, 48, 0.8 * 8, 0.25));
        Assert.True(FourierGabor.Applies(48, 48, 0.8, 0.25));
        Assert.True(FourierGabor.Applies(480, 480, 0.8 * 8, 0.25));
    }

    [Fact]
    public void FiltersLeftToTheDftAreTheOldFloatsBitForBit()
    {
        const int hp = 48, wp = 48, j = 4, l = 16;
        var bank = new FilterBank(hp, wp, j, l);
        var (wavelets, _) = ReferenceFilterBank.Build(hp, wp, j, l);
        int left = 0;
        for (int i = 0; i < wavelets.Length; i++)
        {
            if (FourierGabor.Applies(hp, wp, 0.8 * Math.Pow(2, i / l), 4.0 / l)) continue;
            left++;
            for (int r = 0; r < wavelets[i].Length; r++) AssertSameFloats(wavelets[i][r], bank.Wavelets[i].Levels[r], $"ψ {i} at r={r}");
        }
        Assert.Equal(l, left); // the L wavelets of the largest scale
    }

    [Fact]
    public void TheClosedFormIsWhatBuildsTheBank()
    {
        // Where it applies (every filter at L = 8), the bank's floats are the closed form's, not the DFT's: they agree
        // to the rounding (BanksMatchTheDftConstruction) and so differ from them in some last bits.
        var bank = new FilterBank(264, 264, 2, 8);
        var (wavelets, _) = ReferenceFilterBank.Build(264, 264, 2, 8);
        for (int i = 0; i < wavelets.Length; i++)
        {
            var (a, b) = (wavelets[i][0], bank.Wavelets[i].Levels[0]);
            Assert.True(Enumerable.Range(0, a.Length).Any(e => BitConverter.SingleToInt32Bits(a[e]) != BitConverter.SingleToInt32Bits(b[e])),
                $"ψ {i} is the DFT construction's bit for bit");
        }
    }

    [Vector256Fact]
    public void TheVectorAndScalarLanesGiveTheSameBank()
    {
        foreach (var (hp, wp, j, l) in new[] { (264, 264, 2, 8), (344, 472, 3, 8), (36, 44, 2, 3) })
        {
            var vector = new FilterBank(hp, wp, j, l);
            FilterBank scalar;
            try
            {
                FourierGabor.ScalarForTests = true;
                scalar = new FilterBank(hp, wp, j, l);
            }
            finally { FourierGabor.ScalarForTests = false; }
            for (int i = 0; i < vector.Wavelets.Count; i++)
                for (int r = 0; r < vector.Wavelets[i].Levels.Length; r++)
                    AssertSameFloats(vector.Wavelets[i].Levels[r], scalar.Wavelets[i].Levels[r], $"{hp}x{wp} ψ {i} at r={r}");
            for (int r = 0; r < vector.LowPass.Length; r++) AssertSameFloats(vector.LowPass[r], scalar.LowPass[r], $"{hp}x{wp} φ at r={r}");
        }
    }

    [Theory]
    [InlineData(40, 40, 0.8, 2.0, 0.75, 0.5)]
    [InlineData(48, 72, 3.2, 0.3, 0.59, 0.5)]
    [InlineData(30, 18, 6.4, -1.1, 0.29, 1.0)]
    [InlineData(12, 12, 0.8, 0.0, 2.36, 4.0)]
    public void SpatialFiltersAreBitIdentical(int m, int n, double sigma, double theta, double xi, double slant)
    {
        AssertSameDoubles(ReferenceFilterBank.Morlet(m, n, sigma, theta, xi, slant), FilterBank.Morlet(m, n, sigma, theta, xi, slant), "Morlet");
        AssertSameDoubles(ReferenceFilterBank.Gabor(m, n, sigma, theta, xi, slant), FilterBank.Gabor(m, n, sigma, theta, xi, slant), "Gabor");
        AssertSameDoubles(ReferenceFilterBank.Gabor(m, n, sigma, theta, 0, slant), FilterBank.Gabor(m, n, sigma, theta, 0, slant), "Gabor ξ=0");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(5, 1)]
    [InlineData(9, 15)]
    [InlineData(17, 30)]
    [InlineData(43, 6)]
    [InlineData(20, 37)]
    public void Fft64IsBitIdenticalOnAnyData(int rows, int cols)
    {
        // Values of both signs, ±0 entries and rows of +0 and of −0: the paths a filter never takes, too.
        var rng = new Random(rows * 1000 + cols);
        var data = new Complex[rows * cols];
        for (int i = 0; i < data.Length; i++)
        {
            int kind = rng.Next(6);
            data[i] = kind switch
            {
                0 => Complex.Zero,
                1 => new Complex(-0.0, 0.0),
                2 => new Complex(rng.NextDouble() - 0.5, -0.0),
                _ => new Complex(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5),
            };
        }
        if (rows > 2)
        {
            for (int c = 0; c < cols; c++) { data[c] = Complex.Zero; data[cols + c] = new Complex(-0.0, -0.0); }
        }
        var old = (Complex[])data.Clone();
        ReferenceFilterBank.Forward2D(old, rows, cols);
        var real = Fft64.RealOfForward2D(data, rows, cols);
        var fast = (Complex[])data.Clone();
        Fft64.Forward2D(fast, rows, cols);
        AssertSameDoubles(old, fast, $"{rows}×{cols}");
        for (int i = 0; i < real.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(old[i].Real), BitConverter.DoubleToInt64Bits(real[i]));
        var line = data.AsSpan(0, cols).ToArray();
        AssertSameDoubles(ReferenceFilterBank.Forward(line), Fft64.Forward(line), $"1D {cols}");
    }

    /// <summary>Every value within 2 float32 steps at the filter's largest value (the DFT's own rounding is some
    /// 1e−16 of it) of the DFT construction's.</summary>
    private static void AssertCloseFloats(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double peak = expected.Max(Math.Abs), worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= 2 * peak * Math.Pow(2, -24), $"{what}: {expected[at]} vs {actual[at]} at {at}, {worst / peak:E2} of the peak {peak}");
    }

    private static void AssertSameFloats(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differ = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                differ++;
                if (first < 0) first = i;
            }
        Assert.True(differ == 0, $"{what}: {differ} of {expected.Length} floats differ, the first at {first} ({(first < 0 ? 0 : expected[first])} vs {(first < 0 ? 0 : actual[first])})");
    }

    private static void AssertSameDoubles(Complex[] expected, Complex[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differ = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.DoubleToInt64Bits(expected[i].Real) != BitConverter.DoubleToInt64Bits(actual[i].Real)
                || BitConverter.DoubleToInt64Bits(expected[i].Imaginary) != BitConverter.DoubleToInt64Bits(actual[i].Imaginary))
            {
                differ++;
                if (first < 0) first = i;
            }
        Assert.True(differ == 0, $"{what}: {differ} of {expected.Length} values differ, the first at {first} ({(first < 0 ? Complex.Zero : expected[first])} vs {(first < 0 ? Complex.Zero : actual[first])})");
    }
}
