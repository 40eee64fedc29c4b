using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>
/// The CPU backend's primitives for one group of up to <see cref="Simd.Lanes"/> planes, laid side by side:
/// element e of every signal holds the group's planes in consecutive floats, so each FFT butterfly and each
/// pointwise step works on all of them with SIMD. One group per thread; its buffers are reused across groups.
/// </summary>
internal sealed class CpuLaneGroup : IScatteringOps
{
    private const int Lanes = Simd.Lanes;

    private readonly ScatteringLayout layout;
    private readonly FilterBank bank;
    private readonly Dictionary<int, LaneFft> ffts;
    private readonly Slot[] slots;
    private readonly float[] scratchRe, scratchIm;

    private ReadOnlyMemory<float> input;
    private Memory<float> output;
    private int planeCount;

    private sealed class Slot(int capacity)
    {
        public readonly float[] Re = new float[capacity];
        public readonly float[] Im = new float[capacity];
        public int Height, Width;
        public int Elements => Height * Width;
    }

    public CpuLaneGroup(ScatteringLayout layout, FilterBank bank, Dictionary<int, LaneFft> ffts)
    {
        this.layout = layout;
        this.bank = bank;
        this.ffts = ffts;
        int capacity = layout.PaddedHeight * layout.PaddedWidth * Lanes;
        slots = new Slot[Enum.GetValues<Spectrum>().Length];
        for (int i = 0; i < slots.Length; i++)
        {
            // W2 lives at resolution ≥ 1, Low at resolution J: they need a quarter of the room or less.
            int cap = (Spectrum)i switch { Spectrum.W2 => capacity / 4, Spectrum.Low => capacity >> (2 * layout.J), _ => capacity };
            slots[i] = new Slot(cap);
        }
        scratchRe = new float[capacity];
        scratchIm = new float[capacity];
    }

    /// <summary>The FFT lengths a layout needs: every Hp / 2^r and Wp / 2^r for r = 0..J.</summary>
    public static Dictionary<int, LaneFft> PlanFfts(ScatteringLayout layout)
    {
        var d = new Dictionary<int, LaneFft>();
        for (int r = 0; r <= layout.J; r++)
        {
            int h = layout.PaddedHeight >> r, w = layout.PaddedWidth >> r;
            if (!d.ContainsKey(h)) d[h] = new LaneFft(h);
            if (!d.ContainsKey(w)) d[w] = new LaneFft(w);
        }
        return d;
    }

    /// <summary>Runs the cascade for planes [first, first + count) of the input into the output.</summary>
    public void Run(ReadOnlyMemory<float> planes, Memory<float> outputAll, int first, int count)
    {
        int planeSize = layout.Height * layout.Width;
        input = planes.Slice(first * planeSize, count * planeSize);
        output = outputAll.Slice(first * layout.OutputPerPlane, count * layout.OutputPerPlane);
        planeCount = count;
        ScatteringCascade.Run(this, layout, bank);
    }

    public void PadForward(Spectrum dst)
    {
        var s = slots[(int)dst];
        int h = layout.PaddedHeight, w = layout.PaddedWidth, ih = layout.Height, iw = layout.Width;
        s.Height = h; s.Width = w;
        var src = input.Span;
        var re = s.Re;
        Array.Clear(re, 0, h * w * Lanes);
        Array.Clear(s.Im, 0, h * w * Lanes);
        Span<int> colIndex = w <= 4096 ? stackalloc int[w] : new int[w];
        for (int x = 0; x < w; x++) colIndex[x] = Reflect(x - layout.PadLeft, iw);
        for (int y = 0; y < h; y++)
        {
            int sy = Reflect(y - layout.PadTop, ih);
            for (int p = 0; p < planeCount; p++)
            {
                var row = src.Slice(p * ih * iw + sy * iw, iw);
                int o = y * w * Lanes + p;
                for (int x = 0; x < w; x++) re[o + x * Lanes] = row[colIndex[x]];
            }
        }
        Fft2D(s, inverse: false);
    }

    /// <summary>numpy's 'reflect' padding index: mirror without repeating the edge, period 2(n − 1).</summary>
    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - i;
    }

    public void MultiplyPeriodize(Spectrum src, FilterRef filter, int k, Spectrum dst)
    {
        var a = slots[(int)src];
        var d = slots[(int)dst];
        int h = a.Height, w = a.Width;
        float[] f = filter.IsLowPass ? bank.LowPass[filter.Resolution] : bank.Wavelets[filter.Wavelet].Levels[filter.Resolution];
        if (f.Length != h * w) throw new InvalidOperationException($"filter at resolution {filter.Resolution} does not match a {h}x{w} spectrum");
        int oh = h / k, ow = w / k;
        d.Height = oh; d.Width = ow;
        float scale = 1f / (k * k);
        switch (Simd.Width)
        {
            case 512: MulPeriodize<V512>(a, f, d, h, w, oh, ow, k, scale); break;
            case 256: MulPeriodize<V256>(a, f, d, h, w, oh, ow, k, scale); break;
            default: MulPeriodize<V128>(a, f, d, h, w, oh, ow, k, scale); break;
        }
    }

    private static void MulPeriodize<TV>(Slot a, float[] f, Slot d, int h, int w, int oh, int ow, int k, float scale)
        where TV : unmanaged, IVec<TV>
    {
        ref float ar = ref MemoryMarshal.GetArrayDataReference(a.Re);
        ref float ai = ref MemoryMarshal.GetArrayDataReference(a.Im);
        ref float dr = ref MemoryMarshal.GetArrayDataReference(d.Re);
        ref float di = ref MemoryMarshal.GetArrayDataReference(d.Im);
        TV vs = TV.Splat(scale);
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int o = (y * ow + x) * Lanes;
                for (int b = 0; b < Lanes; b += TV.Count)
                {
                    TV sr = TV.Splat(0f), si = TV.Splat(0f);
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            int e = (y + i * oh) * w + x + j * ow;
                            TV fv = TV.Splat(f[e]);
                            sr = TV.Add(sr, TV.Mul(TV.Load(ref Unsafe.Add(ref ar, e * Lanes + b)), fv));
                            si = TV.Add(si, TV.Mul(TV.Load(ref Unsafe.Add(ref ai, e * Lanes + b)), fv));
                        }
                    if (k > 1) { sr = TV.Mul(sr, vs); si = TV.Mul(si, vs); }
                    TV.Store(sr, ref Unsafe.Add(ref dr, o + b));
                    TV.Store(si, ref Unsafe.Add(ref di, o + b));
                }
            }
    }

    public void ModulusForward(Spectrum src, Spectrum dst)
    {
        var a = slots[(int)src];
        var d = slots[(int)dst];
        int h = a.Height, w = a.Width, n = h * w * Lanes;
        Fft2D(a, inverse: true);
        float scale = 1f / (h * w);
        switch (Simd.Width)
        {
            case 512: Modulus<V512>(a.Re, a.Im, d.Re, n, scale); break;
            case 256: Modulus<V256>(a.Re, a.Im, d.Re, n, scale); break;
            default: Modulus<V128>(a.Re, a.Im, d.Re, n, scale); break;
        }
        Array.Clear(d.Im, 0, n);
        d.Height = h; d.Width = w;
        Fft2D(d, inverse: false);
    }

    private static void Modulus<TV>(float[] re, float[] im, float[] dst, int n, float scale) where TV : unmanaged, IVec<TV>
    {
        ref float r = ref MemoryMarshal.GetArrayDataReference(re);
        ref float i = ref MemoryMarshal.GetArrayDataReference(im);
        ref float o = ref MemoryMarshal.GetArrayDataReference(dst);
        TV vs = TV.Splat(scale);
        for (int e = 0; e < n; e += TV.Count)
        {
            TV x = TV.Load(ref Unsafe.Add(ref r, e)), y = TV.Load(ref Unsafe.Add(ref i, e));
            TV.Store(TV.Mul(TV.Sqrt(TV.Add(TV.Mul(x, x), TV.Mul(y, y))), vs), ref Unsafe.Add(ref o, e));
        }
    }

    public void InverseCropStore(Spectrum src, int channel)
    {
        var a = slots[(int)src];
        int h = a.Height, w = a.Width;
        Fft2D(a, inverse: true);
        float scale = 1f / (h * w);
        int oh = layout.OutHeight, ow = layout.OutWidth, plane = layout.OutPlaneSize, perPlane = layout.OutputPerPlane;
        var outSpan = output.Span;
        var re = a.Re;
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int e = ((y + 1) * w + x + 1) * Lanes;
                int o = channel * plane + y * ow + x;
                for (int p = 0; p < planeCount; p++)
                    outSpan[p * perPlane + o] = re[e + p] * scale;
            }
    }

    private void Fft2D(Slot s, bool inverse)
    {
        int h = s.Height, w = s.Width;
        // Rows: h transforms of length w, element = one lane vector. Columns: one transform of length h,
        // element = a whole row of lane vectors.
        ffts[w].Transform(s.Re, s.Im, scratchRe, scratchIm, h, Lanes, inverse);
        ffts[h].Transform(s.Re, s.Im, scratchRe, scratchIm, 1, w * Lanes, inverse);
    }
}
