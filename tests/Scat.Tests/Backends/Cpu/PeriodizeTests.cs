using System.Runtime.Intrinsics;
using Scat.Backends.Cpu;

namespace Scat.Tests.Backends.Cpu;

/// <summary>
/// The CPU engine's multiply-and-periodize against the formula, computed here in double from the full spectrum:
/// dst[y, x] = (1/k²) Σ over i, j &lt; k of S[y + i·oh, x + j·ow] · f[same], where a half-spectrum source S holds
/// columns 0..w/2 and the rest is conj S[−u, −v]. Columns it must not read hold NaN.
/// </summary>
public class PeriodizeTests
{
    [Theory]
    [InlineData(40, 40, 1, true, false)]
    [InlineData(40, 40, 2, true, false)]
    [InlineData(40, 40, 4, true, true)]
    [InlineData(40, 40, 8, true, true)]
    [InlineData(136, 136, 2, true, false)]
    [InlineData(136, 136, 4, true, true)]
    [InlineData(68, 68, 2, false, false)]
    [InlineData(68, 68, 2, true, true)]
    [InlineData(48, 64, 16, true, true)]
    [InlineData(24, 40, 8, false, true)]
    [InlineData(34, 68, 2, true, false)]
    [InlineData(66, 90, 2, true, false)]
    [InlineData(66, 90, 2, true, true)]
    [InlineData(10, 6, 2, true, true)]
    [InlineData(12, 12, 1, false, true)]
    public void MatchesTheFormulaAtEveryWidth(int h, int w, int k, bool half, bool halfOut)
    {
        int lanes = Simd.Lanes, oh = h / k, ow = w / k, columns = halfOut ? ow / 2 + 1 : ow;
        var rnd = new Random(h * 1000 + w * 10 + k);
        var re = new float[h * w * lanes]; var im = new float[h * w * lanes];
        var f = new float[h * w];
        for (int u = 0; u < h; u++)
            for (int v = 0; v < w; v++)
            {
                f[u * w + v] = (float)(rnd.NextDouble() - 0.3);
                for (int b = 0; b < lanes; b++)
                {
                    int e = (u * w + v) * lanes + b;
                    bool stored = !half || v <= w / 2;
                    re[e] = stored ? (float)(rnd.NextDouble() - 0.5) : float.NaN;
                    im[e] = stored ? (float)(rnd.NextDouble() - 0.5) : float.NaN;
                }
            }
        float[]? first = null;
        var widths = new List<int> { 128 };
        if (Vector256.IsHardwareAccelerated) widths.Add(256);
        if (Vector512.IsHardwareAccelerated) widths.Add(512);
        foreach (int width in widths)
        {
            var dr = new float[oh * ow * lanes]; var di = new float[oh * ow * lanes];
            Array.Fill(dr, 12345f); Array.Fill(di, 12345f);
            CpuLaneGroup.MulPeriodizeAt(width, lanes, re, im, half, f, dr, di, h, w, k, columns);
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    for (int b = 0; b < lanes; b++)
                    {
                        int o = (y * ow + x) * lanes + b;
                        if (x >= columns)
                        {
                            Assert.True(dr[o] == 12345f && di[o] == 12345f, $"column {x} ≥ {columns} was written");
                            continue;
                        }
                        double sr = 0, si = 0, scale = 0;
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int u = y + i * oh, v = x + j * ow;
                                double fv = f[u * w + v];
                                bool direct = !half || v <= w / 2;
                                int e = direct ? (u * w + v) * lanes + b : (((h - u) % h) * w + (w - v) % w) * lanes + b;
                                double xr = re[e], xi = direct ? im[e] : -im[e];
                                sr += xr * fv; si += xi * fv;
                                scale += (Math.Abs(xr) + Math.Abs(xi)) * Math.Abs(fv);
                            }
                        sr /= k * k; si /= k * k; scale /= k * k;
                        Assert.True(Math.Abs(dr[o] - sr) <= 1e-6 * scale + 1e-30 && Math.Abs(di[o] - si) <= 1e-6 * scale + 1e-30,
                            $"width {width} ({y}, {x}) lane {b}: ({dr[o]}, {di[o]}) vs ({sr}, {si})");
                    }
            // Every width gives the same bits.
            var both = dr.Concat(di).ToArray();
            if (first == null) first = both;
            else Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), both.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
