using System.Numerics;
using Scat.Transform;

namespace Scat.Tests.Transform;

/// <summary>
/// The fast construction of the filter bank gives, float for float, the banks of the old construction kept in
/// <see cref="ReferenceFilterBank"/>: the default features do not change a bit (issue 21).
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
    public void BanksAreBitIdenticalToTheOldConstruction(int hp, int wp, int j, int l)
    {
        var bank = new FilterBank(hp, wp, j, l);
        var (wavelets, lowPass) = ReferenceFilterBank.Build(hp, wp, j, l);
        Assert.Equal(wavelets.Length, bank.Wavelets.Count);
        for (int i = 0; i < wavelets.Length; i++)
        {
            Assert.Equal(wavelets[i].Length, bank.Wavelets[i].Levels.Length);
            for (int r = 0; r < wavelets[i].Length; r++)
                AssertSameFloats(wavelets[i][r], bank.Wavelets[i].Levels[r], $"ψ {i} at r={r}");
        }
        Assert.Equal(lowPass.Length, bank.LowPass.Length);
        for (int r = 0; r < lowPass.Length; r++) AssertSameFloats(lowPass[r], bank.LowPass[r], $"φ at r={r}");
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
