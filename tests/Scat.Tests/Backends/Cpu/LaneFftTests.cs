using Scat.Backends.Cpu;

namespace Scat.Tests.Backends.Cpu;

/// <summary>The CPU engine's batched FFT against a direct DFT, for every radix and layout it uses.</summary>
public class LaneFftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(34)]
    [InlineData(40)]
    [InlineData(64)]
    [InlineData(66)]
    [InlineData(68)]
    [InlineData(97)]
    [InlineData(132)]
    [InlineData(136)]
    [InlineData(264)]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(19)]
    [InlineData(56)]
    [InlineData(143)]
    [InlineData(221)]
    [InlineData(43)]
    [InlineData(516)]
    public void MatchesDirectDft(int n)
    {
        int lanes = Simd.Lanes;
        var fft = new LaneFft(n);
        int count = 3; // three signals of n elements, each element a block of 2 lane vectors, with gaps between
        int block = 2 * lanes, elementStride = 3 * lanes, signalStride = n * elementStride + lanes;
        int size = count * signalStride + block;
        var rnd = new Random(n);
        var re = new float[size]; var im = new float[size];
        for (int i = 0; i < size; i++) { re[i] = (float)(rnd.NextDouble() - 0.5); im[i] = (float)(rnd.NextDouble() - 0.5); }
        // Two signals at a time as well: the second group holds one signal only.
        foreach (int together in new[] { 1, 2 })
            foreach (bool inverse in new[] { false, true })
            {
                var r2 = (float[])re.Clone(); var i2 = (float[])im.Clone();
                long scratch = fft.ScratchFloats(block, together);
                fft.Transform(r2, i2, new float[scratch], new float[scratch], count, block, elementStride, signalStride, inverse, together);
                double sign = inverse ? 1 : -1;
                for (int t = 0; t < count; t++)
                    for (int b = 0; b < block; b += 7)
                        for (int k = 0; k < n; k++)
                        {
                            double ar = 0, ai = 0, norm = 0;
                            for (int e = 0; e < n; e++)
                            {
                                int o = t * signalStride + e * elementStride + b;
                                double a = sign * 2 * Math.PI * ((long)e * k % n) / n;
                                ar += re[o] * Math.Cos(a) - im[o] * Math.Sin(a);
                                ai += re[o] * Math.Sin(a) + im[o] * Math.Cos(a);
                                norm += Math.Abs(re[o]) + Math.Abs(im[o]);
                            }
                            int d = t * signalStride + k * elementStride + b;
                            Assert.True(Math.Abs(r2[d] - ar) <= 2e-6 * norm && Math.Abs(i2[d] - ai) <= 2e-6 * norm,
                                $"n={n} inverse={inverse} t={t} b={b} k={k}: ({r2[d]}, {i2[d]}) vs ({ar}, {ai})");
                        }
                // Untouched gaps stay untouched.
                Assert.Equal(re[^1], r2[^1]);
            }
    }

    /// <summary>
    /// The unrolled odd-prime butterflies do the generic pair loop's operations in its order: the same bits (signs
    /// of zero included), in both directions, first stage (no twiddles) and later stages (twiddled), at every
    /// vector width the machine accelerates. The inputs are rich in ±0 and in equal pairs, so zero results occur.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(24)]
    [InlineData(40)]
    [InlineData(56)]
    [InlineData(88)]
    [InlineData(104)]
    [InlineData(136)]
    [InlineData(255)]
    [InlineData(289)]
    [InlineData(1155)]
    public void CodeletsGiveTheGenericLoopsBits(int n)
    {
        int count = 2, block = 16, elementStride = 16, signalStride = n * elementStride;
        int size = count * signalStride;
        var rnd = new Random(n);
        var re = new float[size]; var im = new float[size];
        for (int i = 0; i < size; i++)
        {
            // Lanes 0–3 only ±0 (every result a signed zero), lanes 4–7 one nonzero value per signal, the rest mixed.
            int lane = i % block;
            bool spike = lane is >= 4 and < 8 && (i % signalStride) / elementStride == lane;
            re[i] = lane < 4 ? (rnd.Next(2) == 0 ? 0f : -0f) : lane < 8 ? (spike ? 1f : (rnd.Next(2) == 0 ? 0f : -0f)) : Sample(rnd);
            im[i] = lane < 4 ? (rnd.Next(2) == 0 ? 0f : -0f) : lane < 8 ? (rnd.Next(2) == 0 ? 0f : -0f) : Sample(rnd);
        }
        var widths = new List<int> { 128 };
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) widths.Add(256);
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) widths.Add(512);
        int zeros = 0;
        foreach (int width in widths)
            foreach (bool inverse in new[] { false, true })
            {
                var fast = new LaneFft(n); var generic = new LaneFft(n, codelets: false);
                var r1 = (float[])re.Clone(); var i1 = (float[])im.Clone();
                var r2 = (float[])re.Clone(); var i2 = (float[])im.Clone();
                int scratch = (int)fast.ScratchFloats(block, together: 2);
                fast.TransformAt(width, r1, i1, new float[scratch], new float[scratch], count, block, elementStride, signalStride, inverse, together: 2);
                generic.TransformAt(width, r2, i2, new float[scratch], new float[scratch], count, block, elementStride, signalStride, inverse, together: 2);
                for (int i = 0; i < size; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(r1[i]) == BitConverter.SingleToInt32Bits(r2[i])
                        && BitConverter.SingleToInt32Bits(i1[i]) == BitConverter.SingleToInt32Bits(i2[i]),
                        $"n={n} width={width} inverse={inverse} at {i}: ({r1[i]}, {i1[i]}) vs ({r2[i]}, {i2[i]})");
                    if (r1[i] == 0) zeros++;
                }
                Assert.NotEqual(re, r1); // it did transform
            }
        Assert.True(zeros > 0, "no zero results: the signs of zero were not exercised");
    }

    /// <summary>A value that is ±0 half the time, else one of a few small integers (so sums cancel exactly).</summary>
    private static float Sample(Random rnd) => rnd.Next(4) switch
    {
        0 => 0f,
        1 => -0f,
        _ => rnd.Next(-2, 3),
    };

    /// <summary>
    /// A signal's result does not depend on how the signals are laid out, how many run through the stages together or
    /// the vector width: the same bits from contiguous signals one at a time, three at a time (the last group holding
    /// two), and signals side by side in strided elements with gaps (as column strips are), at every width the machine
    /// accelerates, in both directions. Nothing is written into the gaps or past the scratch the transform asks for.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(40)]
    [InlineData(43)]
    [InlineData(86)]
    [InlineData(264)]
    [InlineData(1032)]
    public void BitsDoNotDependOnLayoutGroupingOrWidth(int n)
    {
        const int block = 16, count = 5, gap = 8, guard = 64;
        const float untouched = 12345f;
        var rnd = new Random(n);
        var values = new (float Re, float Im)[count * n * block];
        for (int i = 0; i < values.Length; i++) values[i] = ((float)(rnd.NextDouble() - 0.5), (float)(rnd.NextDouble() - 0.5));
        var widths = new List<int> { 128 };
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) widths.Add(256);
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) widths.Add(512);
        var fft = new LaneFft(n);
        foreach (bool inverse in new[] { false, true })
        {
            int[]? reference = null;
            foreach (int width in widths)
                foreach (var (columns, together) in new[] { (false, 1), (false, 3), (true, 1), (true, 2) })
                {
                    // Contiguous: signal t, element e at (t·n + e)·block. Side by side: at e·(count·block + gap) + t·block.
                    int elementStride = columns ? count * block + gap : block, signalStride = columns ? block : n * block;
                    int size = (count - 1) * signalStride + (n - 1) * elementStride + block + gap;
                    var re = new float[size]; var im = new float[size];
                    Array.Fill(re, untouched); Array.Fill(im, untouched);
                    for (int t = 0; t < count; t++)
                        for (int e = 0; e < n; e++)
                            for (int b = 0; b < block; b++)
                            {
                                var v = values[(t * n + e) * block + b];
                                re[t * signalStride + e * elementStride + b] = v.Re; im[t * signalStride + e * elementStride + b] = v.Im;
                            }
                    int scratch = (int)fft.ScratchFloats(block, Math.Min(together, count));
                    var sr = new float[scratch + guard]; var si = new float[scratch + guard];
                    Array.Fill(sr, float.NaN); Array.Fill(si, float.NaN);
                    fft.TransformAt(width, re, im, sr.AsSpan(0, scratch), si.AsSpan(0, scratch), count, block, elementStride, signalStride, inverse, together);
                    var bits = new int[2 * values.Length];
                    for (int t = 0; t < count; t++)
                        for (int e = 0; e < n; e++)
                            for (int b = 0; b < block; b++)
                            {
                                int o = t * signalStride + e * elementStride + b, i = (t * n + e) * block + b;
                                bits[2 * i] = BitConverter.SingleToInt32Bits(re[o]);
                                bits[2 * i + 1] = BitConverter.SingleToInt32Bits(im[o]);
                                re[o] = untouched; im[o] = untouched;
                            }
                    Assert.All(re, x => Assert.Equal(untouched, x));
                    Assert.All(im, x => Assert.Equal(untouched, x));
                    Assert.True(sr.AsSpan(scratch).ToArray().All(float.IsNaN) && si.AsSpan(scratch).ToArray().All(float.IsNaN), "written past the scratch");
                    reference ??= bits;
                    Assert.True(reference.AsSpan().SequenceEqual(bits), $"n={n} width={width} columns={columns} together={together} inverse={inverse}");
                }
        }
    }
}
