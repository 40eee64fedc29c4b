using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Scat.Backends.Cpu;

/// <summary>
/// A mixed-radix complex FFT of length N in split format (separate real and imaginary arrays), run on many
/// independent signals at once: every "element" of the transform is a block of <c>block</c> floats, and each
/// butterfly does the same arithmetic on the whole block with SIMD. For row transforms the block is the
/// lane group's signals that sit side by side (<see cref="LanePlan.Lanes"/>); for column transforms it is a whole row of them.
/// Stockham autosort (out of place, between two compact scratch buffers, natural order out), radices 8, 4, 2 and
/// any odd prime (direct DFT using the symmetric pairs; unrolled with constant coefficients for the primes up to
/// 17 in OddCodelets.g.cs, written by scripts/gen-odd-codelets.py: 1.5× faster for the whole 128² batch than the
/// table-driven loop, measured on a 2-core AVX2 machine). Unnormalised in both directions.
/// </summary>
internal sealed partial class LaneFft
{
    public int Length { get; }
    private readonly int[] _radices;
    private readonly float[][] _twiddleRe;   // per stage: [k · R + r], forward sign; the inverse conjugates
    private readonly float[][] _twiddleIm;
    private readonly Dictionary<int, (float[] Cos, float[] Sin)> _oddTables = new();
    private readonly bool _codelets;

    /// <param name="length">The transform length.</param>
    /// <param name="codelets">Use the unrolled odd-prime butterflies of OddCodelets.g.cs (the same operations,
    /// so the same bits, as the generic pair loop; false only to test that).</param>
    public LaneFft(int length, bool codelets = true)
    {
        _codelets = codelets;
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
        _radices = Factor(length);
        _twiddleRe = new float[_radices.Length][];
        _twiddleIm = new float[_radices.Length][];
        int ns = 1;
        for (int s = 0; s < _radices.Length; s++)
        {
            int r = _radices[s];
            var tr = new float[ns * r];
            var ti = new float[ns * r];
            for (int k = 0; k < ns; k++)
                for (int q = 0; q < r; q++)
                {
                    double a = -2.0 * Math.PI * k * q / (ns * r);
                    tr[k * r + q] = (float)Math.Cos(a);
                    ti[k * r + q] = (float)Math.Sin(a);
                }
            _twiddleRe[s] = tr; _twiddleIm[s] = ti;
            if (r % 2 == 1 && !_oddTables.ContainsKey(r)) _oddTables[r] = OddTable(r);
            ns *= r;
        }
    }

    public IReadOnlyList<int> Radices => _radices;

    /// <summary>Whether a length's radices all have an unrolled butterfly (2, 4, 8 and the codelet primes).</summary>
    public static bool IsUnrolled(int length) => Factor(length).All(r => r is 1 or 2 or 4 or 8 || HasCodelet(r));

    private static int[] Factor(int n)
    {
        var list = new List<int>();
        while (n % 8 == 0) { list.Add(8); n /= 8; }
        while (n % 4 == 0) { list.Add(4); n /= 4; }
        while (n % 2 == 0) { list.Add(2); n /= 2; }
        for (int f = 3; n > 1; f += 2)
        {
            if ((long)f * f > n) { list.Add(n); break; }
            while (n % f == 0) { list.Add(f); n /= f; }
        }
        if (list.Count == 0) list.Add(1);
        return list.ToArray();
    }

    private static (float[], float[]) OddTable(int p)
    {
        int h = p / 2;
        var c = new float[h * h];
        var s = new float[h * h];
        for (int q = 1; q <= h; q++)
            for (int r = 1; r <= h; r++)
            {
                double a = 2.0 * Math.PI * ((long)q * r % p) / p;
                c[(q - 1) * h + r - 1] = (float)Math.Cos(a);
                s[(q - 1) * h + r - 1] = (float)Math.Sin(a);
            }
        return (c, s);
    }

    /// <summary>
    /// Transforms <paramref name="count"/> signals: signal t's element e is the block of <paramref name="block"/>
    /// floats at t·<paramref name="signalStride"/> + e·<paramref name="elementStride"/>. <paramref name="together"/>
    /// signals at a time run through all their stages before the next ones start, in the scratch arrays, so that the
    /// arrays are read and written once (<see cref="Run{TV}"/>). The result is left in <paramref name="re"/>/<paramref name="im"/>;
    /// each scratch array holds at least <see cref="ScratchFloats"/> floats. The vectors are of <paramref name="width"/>
    /// bits (0: this machine's widest, <see cref="Simd.Width"/>).
    /// </summary>
    public void Transform(Span<float> re, Span<float> im, Span<float> scratchRe, Span<float> scratchIm,
        int count, int block, int elementStride, int signalStride, bool inverse, int together = 1, int width = 0)
    {
        if (count < 1) return;
        int extent = (count - 1) * signalStride + (Length - 1) * elementStride + block;
        if (re.Length < extent || im.Length < extent)
            throw new ArgumentException("FFT buffers are too small");
        if (width == 0) width = Simd.Width;
        if (block % Simd.FloatsOf(width) != 0) throw new ArgumentException("block must be a multiple of the vector's float count");
        TransformAt(width, re, im, scratchRe, scratchIm, count, block, elementStride, signalStride, inverse, together);
    }

    /// <summary>Floats each scratch array needs to transform <paramref name="together"/> signals of <paramref name="block"/>
    /// floats per element at a time: two buffers of them, laid out compactly.</summary>
    public long ScratchFloats(int block, int together) => 2L * together * Length * block;

    /// <summary>
    /// <see cref="Transform"/> with the vectors of the given width (512, 256 or 128 bits; one the machine
    /// accelerates, and <paramref name="block"/> a multiple of its float count): for tests of every width.
    /// </summary>
    internal void TransformAt(int width, Span<float> re, Span<float> im, Span<float> scratchRe, Span<float> scratchIm,
        int count, int block, int elementStride, int signalStride, bool inverse, int together = 1)
    {
        if (Length == 1 || count < 1) return;
        together = Math.Min(Math.Max(1, together), count);
        if (scratchRe.Length < ScratchFloats(block, together) || scratchIm.Length < ScratchFloats(block, together))
            throw new ArgumentException("FFT scratch is too small");
        Simd.Run(width, new RunKernel(this, re, im, scratchRe, scratchIm, count, block, elementStride, signalStride, together, inverse));
    }

    private readonly ref struct RunKernel(LaneFft fft, Span<float> re, Span<float> im, Span<float> sRe, Span<float> sIm,
        int count, int block, int elementStride, int signalStride, int together, bool inverse) : ISimdKernel
    {
        private readonly Span<float> _re = re, _im = im, _sRe = sRe, _sIm = sIm;

        public void Run<TV>() where TV : unmanaged, IVec<TV> =>
            fft.Run<TV>(_re, _im, _sRe, _sIm, count, block, elementStride, signalStride, together, inverse);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<TV>(Span<float> re, Span<float> im, Span<float> sRe, Span<float> sIm,
        int count, int block, int elementStride, int signalStride, int together, bool inverse) where TV : unmanaged, IVec<TV>
    {
        // The scratch holds two compact buffers A and B of `together` signals each (element e of signal t at
        // (t·N + e)·block): the first stage reads the arrays, the middle ones go back and forth between A and B, and
        // the last one writes the arrays again. So each pass reads and writes the arrays once, whatever their strides,
        // and the stages between stay in the buffers (a row group or a column strip: 256 KB, up to about 1 MB for a strip
        // of 1032 rows), in cache.
        int span = Length * block, bufferB = together * span, stages = _radices.Length;
        for (int t0 = 0; t0 < count; t0 += together)
        {
            int sub = Math.Min(together, count - t0);
            int baseOff = t0 * signalStride;
            int ns = 1;
            for (int s = 0; s < stages; s++)
            {
                int r = _radices[s];
                bool first = s == 0, last = s == stages - 1 && stages > 1;
                int from = s % 2 == 1 ? 0 : bufferB, to = s % 2 == 0 ? 0 : bufferB;
                if (first)
                    Stage<TV>(re, im, baseOff, elementStride, signalStride, sRe, sIm, to, block, span, s, r, ns, block, sub, inverse);
                else if (last)
                    Stage<TV>(sRe, sIm, from, block, span, re, im, baseOff, elementStride, signalStride, s, r, ns, block, sub, inverse);
                else
                    Stage<TV>(sRe, sIm, from, block, span, sRe, sIm, to, block, span, s, r, ns, block, sub, inverse);
                ns *= r;
            }
            if (stages == 1)
                for (int t = 0; t < sub; t++)
                    for (int e = 0; e < Length; e++)
                    {
                        int o = baseOff + t * signalStride + e * elementStride, c = t * span + e * block;
                        sRe.Slice(c, block).CopyTo(re.Slice(o, block));
                        sIm.Slice(c, block).CopyTo(im.Slice(o, block));
                    }
        }
    }

    /// <summary>One radix-<paramref name="radix"/> stage of <paramref name="subCount"/> signals, from the source (element e
    /// of signal t at srcBase + t·srcSignal + e·srcElement) to the destination, laid out alike by its own strides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Stage<TV>(Span<float> srcRe, Span<float> srcIm, int srcBase, int srcElement, int srcSignal,
        Span<float> dstRe, Span<float> dstIm, int dstBase, int dstElement, int dstSignal,
        int stage, int radix, int ns, int block, int subCount, bool inverse) where TV : unmanaged, IVec<TV>
    {
        int n = Length, m = n / radix;
        ref float sr = ref MemoryMarshal.GetReference(srcRe);
        ref float si = ref MemoryMarshal.GetReference(srcIm);
        ref float dr = ref MemoryMarshal.GetReference(dstRe);
        ref float di = ref MemoryMarshal.GetReference(dstIm);
        float[] twr = _twiddleRe[stage], twi = _twiddleIm[stage];
        float sign = inverse ? 1f : -1f;
        int inStride = m * srcElement, outStride = ns * dstElement;
        int inSub = srcSignal, outSub = dstSignal;
        bool odd = radix % 2 == 1, codelet = odd && _codelets && HasCodelet(radix);
        Span<float> tw = !odd ? default : radix <= 63 ? stackalloc float[2 * radix] : new float[2 * radix];
        // Butterfly j = g·ns + k reads from j and writes to g·ns·radix + k: for each k (one set of twiddles), one call
        // runs all m / ns groups g, each a step of ns elements on the input and ns·radix on the output.
        int groups = m / ns, inGroup = ns * srcElement, outGroup = ns * radix * dstElement;
        for (int k = 0; k < ns; k++)
        {
            int inOff = srcBase + k * srcElement, outOff = dstBase + k * dstElement;
            if (odd)
            {
                // This column's twiddles (cosine, sine of the direction), the same for every butterfly of the column.
                if (k != 0)
                    for (int r = 1; r < radix; r++) { tw[2 * r] = twr[k * radix + r]; tw[2 * r + 1] = Sin(twi[k * radix + r], sign); }
                if (codelet)
                    OddCodelet<TV>(radix, ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub,
                        groups, inGroup, outGroup, ref MemoryMarshal.GetReference(tw), inverse, k != 0);
                else
                    RadixOdd<TV>(ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub,
                        groups, inGroup, outGroup, tw, radix, inverse, k != 0);
                continue;
            }
            switch (radix)
            {
                case 2: Radix2<TV>(ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub, groups, inGroup, outGroup, twr, twi, k, sign, k != 0); break;
                case 4: Radix4<TV>(ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub, groups, inGroup, outGroup, twr, twi, k, sign, k != 0); break;
                case 8: Radix8<TV>(ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub, groups, inGroup, outGroup, twr, twi, k, sign, k != 0); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Twiddle<TV>(ref TV xr, ref TV xi, float c, float s) where TV : unmanaged, IVec<TV> =>
        Twiddle(ref xr, ref xi, TV.Splat(c), TV.Splat(s));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Twiddle<TV>(ref TV xr, ref TV xi, TV vc, TV vs) where TV : unmanaged, IVec<TV>
    {
        // (xr + i xi)(c + i s) = (xr·c − xi·s) + i (xr·s + xi·c)
        TV r = TV.MulAdd(xr, vc, TV.Mul(TV.Sub(TV.Splat(0f), xi), vs));
        xi = TV.MulAdd(xr, vs, TV.Mul(xi, vc));
        xr = r;
    }

    /// <summary>Sine of a stored (forward) twiddle for a transform of the given sign: the inverse conjugates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sin(float stored, float sign) => sign < 0 ? stored : -stored;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix2<TV>(ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,
        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, float[] twr, float[] twi, int k, float sign, bool twiddle) where TV : unmanaged, IVec<TV>
    {
        TV c1 = TV.Splat(twr[k * 2 + 1]), s1 = TV.Splat(Sin(twi[k * 2 + 1], sign));
        for (int gi = 0; gi < groups; gi++, inOff += inGroup, outOff += outGroup)
            for (int sg = 0, si0 = 0, so = 0; sg < subCount; sg++, si0 += inSub, so += outSub)
                for (int bb = 0; bb < block; bb += TV.Count)
                {
                    int o = inOff + si0 + bb, b = so + bb;
                    TV x0r = TV.Load(ref Unsafe.Add(ref sr, o)), x0i = TV.Load(ref Unsafe.Add(ref si, o));
                    TV x1r = TV.Load(ref Unsafe.Add(ref sr, o + inStride)), x1i = TV.Load(ref Unsafe.Add(ref si, o + inStride));
                    if (twiddle) Twiddle(ref x1r, ref x1i, c1, s1);
                    TV.Store(TV.Add(x0r, x1r), ref Unsafe.Add(ref dr, outOff + b));
                    TV.Store(TV.Add(x0i, x1i), ref Unsafe.Add(ref di, outOff + b));
                    TV.Store(TV.Sub(x0r, x1r), ref Unsafe.Add(ref dr, outOff + outStride + b));
                    TV.Store(TV.Sub(x0i, x1i), ref Unsafe.Add(ref di, outOff + outStride + b));
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4<TV>(ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,
        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, float[] twr, float[] twi, int k, float sign, bool twiddle) where TV : unmanaged, IVec<TV>
    {
        TV c1 = TV.Splat(twr[k * 4 + 1]), s1 = TV.Splat(Sin(twi[k * 4 + 1], sign));
        TV c2 = TV.Splat(twr[k * 4 + 2]), s2 = TV.Splat(Sin(twi[k * 4 + 2], sign));
        TV c3 = TV.Splat(twr[k * 4 + 3]), s3 = TV.Splat(Sin(twi[k * 4 + 3], sign));
        for (int gi = 0; gi < groups; gi++, inOff += inGroup, outOff += outGroup)
            for (int sg = 0, si0 = 0, so = 0; sg < subCount; sg++, si0 += inSub, so += outSub)
                for (int bb = 0; bb < block; bb += TV.Count)
                {
                    int o = inOff + si0 + bb, b = so + bb;
                    TV x0r = TV.Load(ref Unsafe.Add(ref sr, o)), x0i = TV.Load(ref Unsafe.Add(ref si, o));
                    TV x1r = TV.Load(ref Unsafe.Add(ref sr, o + inStride)), x1i = TV.Load(ref Unsafe.Add(ref si, o + inStride));
                    TV x2r = TV.Load(ref Unsafe.Add(ref sr, o + 2 * inStride)), x2i = TV.Load(ref Unsafe.Add(ref si, o + 2 * inStride));
                    TV x3r = TV.Load(ref Unsafe.Add(ref sr, o + 3 * inStride)), x3i = TV.Load(ref Unsafe.Add(ref si, o + 3 * inStride));
                    if (twiddle)
                    {
                        Twiddle(ref x1r, ref x1i, c1, s1);
                        Twiddle(ref x2r, ref x2i, c2, s2);
                        Twiddle(ref x3r, ref x3i, c3, s3);
                    }
                    Butterfly4(x0r, x0i, x1r, x1i, x2r, x2i, x3r, x3i, sign,
                        out TV y0r, out TV y0i, out TV y1r, out TV y1i, out TV y2r, out TV y2i, out TV y3r, out TV y3i);
                    int d = outOff + b;
                    TV.Store(y0r, ref Unsafe.Add(ref dr, d)); TV.Store(y0i, ref Unsafe.Add(ref di, d));
                    TV.Store(y1r, ref Unsafe.Add(ref dr, d + outStride)); TV.Store(y1i, ref Unsafe.Add(ref di, d + outStride));
                    TV.Store(y2r, ref Unsafe.Add(ref dr, d + 2 * outStride)); TV.Store(y2i, ref Unsafe.Add(ref di, d + 2 * outStride));
                    TV.Store(y3r, ref Unsafe.Add(ref dr, d + 3 * outStride)); TV.Store(y3i, ref Unsafe.Add(ref di, d + 3 * outStride));
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly4<TV>(TV x0r, TV x0i, TV x1r, TV x1i, TV x2r, TV x2i, TV x3r, TV x3i, float sign,
        out TV y0r, out TV y0i, out TV y1r, out TV y1i, out TV y2r, out TV y2i, out TV y3r, out TV y3i) where TV : unmanaged, IVec<TV>
    {
        TV ar = TV.Add(x0r, x2r), ai = TV.Add(x0i, x2i);
        TV br = TV.Sub(x0r, x2r), bi = TV.Sub(x0i, x2i);
        TV cr = TV.Add(x1r, x3r), ci = TV.Add(x1i, x3i);
        TV er = TV.Sub(x1r, x3r), ei = TV.Sub(x1i, x3i);
        // ω·e with ω = i·sign: i·e = (−ei, er)
        TV wr, wi;
        if (sign < 0) { wr = ei; wi = TV.Sub(TV.Splat(0f), er); }
        else { wr = TV.Sub(TV.Splat(0f), ei); wi = er; }
        y0r = TV.Add(ar, cr); y0i = TV.Add(ai, ci);
        y2r = TV.Sub(ar, cr); y2i = TV.Sub(ai, ci);
        y1r = TV.Add(br, wr); y1i = TV.Add(bi, wi);
        y3r = TV.Sub(br, wr); y3i = TV.Sub(bi, wi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Radix8<TV>(ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,
        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, float[] twr, float[] twi, int k, float sign, bool twiddle) where TV : unmanaged, IVec<TV>
    {
        Span<float> c = stackalloc float[8];
        Span<float> s = stackalloc float[8];
        for (int q = 1; q < 8; q++) { c[q] = twr[k * 8 + q]; s[q] = Sin(twi[k * 8 + q], sign); }
        const float h = 0.70710678118654752440f;
        TV vh = TV.Splat(h);
        TV zero = TV.Splat(0f);
        for (int gi = 0; gi < groups; gi++, inOff += inGroup, outOff += outGroup)
            for (int sg = 0, si0 = 0, so = 0; sg < subCount; sg++, si0 += inSub, so += outSub)
                for (int bb = 0; bb < block; bb += TV.Count)
                {
                    int o = inOff + si0 + bb, b = so + bb;
                    TV x0r = TV.Load(ref Unsafe.Add(ref sr, o)), x0i = TV.Load(ref Unsafe.Add(ref si, o));
                    TV x1r = TV.Load(ref Unsafe.Add(ref sr, o + inStride)), x1i = TV.Load(ref Unsafe.Add(ref si, o + inStride));
                    TV x2r = TV.Load(ref Unsafe.Add(ref sr, o + 2 * inStride)), x2i = TV.Load(ref Unsafe.Add(ref si, o + 2 * inStride));
                    TV x3r = TV.Load(ref Unsafe.Add(ref sr, o + 3 * inStride)), x3i = TV.Load(ref Unsafe.Add(ref si, o + 3 * inStride));
                    TV x4r = TV.Load(ref Unsafe.Add(ref sr, o + 4 * inStride)), x4i = TV.Load(ref Unsafe.Add(ref si, o + 4 * inStride));
                    TV x5r = TV.Load(ref Unsafe.Add(ref sr, o + 5 * inStride)), x5i = TV.Load(ref Unsafe.Add(ref si, o + 5 * inStride));
                    TV x6r = TV.Load(ref Unsafe.Add(ref sr, o + 6 * inStride)), x6i = TV.Load(ref Unsafe.Add(ref si, o + 6 * inStride));
                    TV x7r = TV.Load(ref Unsafe.Add(ref sr, o + 7 * inStride)), x7i = TV.Load(ref Unsafe.Add(ref si, o + 7 * inStride));
                    if (twiddle)
                    {
                        Twiddle(ref x1r, ref x1i, c[1], s[1]); Twiddle(ref x2r, ref x2i, c[2], s[2]);
                        Twiddle(ref x3r, ref x3i, c[3], s[3]); Twiddle(ref x4r, ref x4i, c[4], s[4]);
                        Twiddle(ref x5r, ref x5i, c[5], s[5]); Twiddle(ref x6r, ref x6i, c[6], s[6]);
                        Twiddle(ref x7r, ref x7i, c[7], s[7]);
                    }
                    // Even and odd halves, each a 4-point DFT.
                    Butterfly4(x0r, x0i, x2r, x2i, x4r, x4i, x6r, x6i, sign,
                        out TV e0r, out TV e0i, out TV e1r, out TV e1i, out TV e2r, out TV e2i, out TV e3r, out TV e3i);
                    Butterfly4(x1r, x1i, x3r, x3i, x5r, x5i, x7r, x7i, sign,
                        out TV o0r, out TV o0i, out TV o1r, out TV o1i, out TV o2r, out TV o2i, out TV o3r, out TV o3i);
                    // ω8^q · O_q with ω8 = e^{sign·iπ/4}
                    TV t1r, t1i, t2r, t2i, t3r, t3i;
                    if (sign < 0)
                    {
                        // ω8 = (h, −h): (a + ib)(h − ih) = h(a + b) + i h(b − a)
                        t1r = TV.Mul(vh, TV.Add(o1r, o1i)); t1i = TV.Mul(vh, TV.Sub(o1i, o1r));
                        // ω8² = −i: (a + ib)(−i) = b − ia
                        t2r = o2i; t2i = TV.Sub(zero, o2r);
                        // ω8³ = (−h, −h): (a + ib)(−h − ih) = h(b − a) − i h(a + b)
                        t3r = TV.Mul(vh, TV.Sub(o3i, o3r)); t3i = TV.Sub(zero, TV.Mul(vh, TV.Add(o3r, o3i)));
                    }
                    else
                    {
                        // ω8 = (h, h): h(a − b) + i h(a + b)
                        t1r = TV.Mul(vh, TV.Sub(o1r, o1i)); t1i = TV.Mul(vh, TV.Add(o1r, o1i));
                        // ω8² = i: −b + ia
                        t2r = TV.Sub(zero, o2i); t2i = o2r;
                        // ω8³ = (−h, h): (a + ib)(−h + ih) = −h(a + b) + i h(a − b)
                        t3r = TV.Sub(zero, TV.Mul(vh, TV.Add(o3r, o3i))); t3i = TV.Mul(vh, TV.Sub(o3r, o3i));
                    }
                    int d = outOff + b;
                    TV.Store(TV.Add(e0r, o0r), ref Unsafe.Add(ref dr, d)); TV.Store(TV.Add(e0i, o0i), ref Unsafe.Add(ref di, d));
                    TV.Store(TV.Add(e1r, t1r), ref Unsafe.Add(ref dr, d + outStride)); TV.Store(TV.Add(e1i, t1i), ref Unsafe.Add(ref di, d + outStride));
                    TV.Store(TV.Add(e2r, t2r), ref Unsafe.Add(ref dr, d + 2 * outStride)); TV.Store(TV.Add(e2i, t2i), ref Unsafe.Add(ref di, d + 2 * outStride));
                    TV.Store(TV.Add(e3r, t3r), ref Unsafe.Add(ref dr, d + 3 * outStride)); TV.Store(TV.Add(e3i, t3i), ref Unsafe.Add(ref di, d + 3 * outStride));
                    TV.Store(TV.Sub(e0r, o0r), ref Unsafe.Add(ref dr, d + 4 * outStride)); TV.Store(TV.Sub(e0i, o0i), ref Unsafe.Add(ref di, d + 4 * outStride));
                    TV.Store(TV.Sub(e1r, t1r), ref Unsafe.Add(ref dr, d + 5 * outStride)); TV.Store(TV.Sub(e1i, t1i), ref Unsafe.Add(ref di, d + 5 * outStride));
                    TV.Store(TV.Sub(e2r, t2r), ref Unsafe.Add(ref dr, d + 6 * outStride)); TV.Store(TV.Sub(e2i, t2i), ref Unsafe.Add(ref di, d + 6 * outStride));
                    TV.Store(TV.Sub(e3r, t3r), ref Unsafe.Add(ref dr, d + 7 * outStride)); TV.Store(TV.Sub(e3i, t3i), ref Unsafe.Add(ref di, d + 7 * outStride));
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private void RadixOdd<TV>(ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,
        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, Span<float> tw, int p, bool inverse, bool twiddle) where TV : unmanaged, IVec<TV>
    {
        var (cosTable, sinTable) = _oddTables[p];
        ref float cosT = ref MemoryMarshal.GetArrayDataReference(cosTable);
        ref float sinT = ref MemoryMarshal.GetArrayDataReference(sinTable);
        int h = p / 2;
        Span<TV> pairs = p <= 63 ? stackalloc TV[4 * h] : new TV[4 * h];
        ref TV ar = ref MemoryMarshal.GetReference(pairs);
        ref TV ai = ref Unsafe.Add(ref ar, h);
        ref TV br = ref Unsafe.Add(ref ar, 2 * h);
        ref TV bi = ref Unsafe.Add(ref ar, 3 * h);
        TV zero = TV.Splat(0f);
        for (int gi = 0; gi < groups; gi++, inOff += inGroup, outOff += outGroup)
            for (int sg = 0, si0 = 0, so = 0; sg < subCount; sg++, si0 += inSub, so += outSub)
                for (int bb = 0; bb < block; bb += TV.Count)
                {
                    int o = inOff + si0 + bb, b = so + bb;
                    TV x0r = TV.Load(ref Unsafe.Add(ref sr, o)), x0i = TV.Load(ref Unsafe.Add(ref si, o));
                    TV sumr = x0r, sumi = x0i;
                    for (int r = 1; r <= h; r++)
                    {
                        TV ur = TV.Load(ref Unsafe.Add(ref sr, o + r * inStride)), ui = TV.Load(ref Unsafe.Add(ref si, o + r * inStride));
                        TV vr = TV.Load(ref Unsafe.Add(ref sr, o + (p - r) * inStride)), vi = TV.Load(ref Unsafe.Add(ref si, o + (p - r) * inStride));
                        if (twiddle)
                        {
                            Twiddle(ref ur, ref ui, tw[2 * r], tw[2 * r + 1]);
                            Twiddle(ref vr, ref vi, tw[2 * (p - r)], tw[2 * (p - r) + 1]);
                        }
                        TV sr1 = TV.Add(ur, vr), si1 = TV.Add(ui, vi);
                        Unsafe.Add(ref ar, r - 1) = sr1; Unsafe.Add(ref ai, r - 1) = si1;
                        // The inverse negates the differences, which negates B: y[q] = A − i·B in both directions.
                        Unsafe.Add(ref br, r - 1) = inverse ? TV.Sub(vr, ur) : TV.Sub(ur, vr);
                        Unsafe.Add(ref bi, r - 1) = inverse ? TV.Sub(vi, ui) : TV.Sub(ui, vi);
                        sumr = TV.Add(sumr, sr1); sumi = TV.Add(sumi, si1);
                    }
                    int d = outOff + b;
                    TV.Store(sumr, ref Unsafe.Add(ref dr, d)); TV.Store(sumi, ref Unsafe.Add(ref di, d));
                    int q = 1;
                    // Four output pairs at a time where there are 32 vector registers (AVX-512, whatever the width used):
                    // 16 accumulators, and each loaded a/b term serves four outputs. Each accumulator sees the same
                    // operations in the same order as in the loops below, so the bits do not depend on the blocking.
                    if (Avx512F.IsSupported)
                        for (; q + 3 <= h; q += 4)
                        {
                            TV a1r = x0r, a1i = x0i, b1r = zero, b1i = zero, a2r = x0r, a2i = x0i, b2r = zero, b2i = zero;
                            TV a3r = x0r, a3i = x0i, b3r = zero, b3i = zero, a4r = x0r, a4i = x0i, b4r = zero, b4i = zero;
                            int row1 = (q - 1) * h;
                            for (int r = 0; r < h; r++)
                            {
                                TV xr = Unsafe.Add(ref ar, r), xi = Unsafe.Add(ref ai, r), yr = Unsafe.Add(ref br, r), yi = Unsafe.Add(ref bi, r);
                                int t = row1 + r;
                                TV c1 = TV.Splat(Unsafe.Add(ref cosT, t)), s1 = TV.Splat(Unsafe.Add(ref sinT, t));
                                a1r = TV.MulAdd(xr, c1, a1r); a1i = TV.MulAdd(xi, c1, a1i);
                                b1r = TV.MulAdd(yr, s1, b1r); b1i = TV.MulAdd(yi, s1, b1i);
                                TV c2 = TV.Splat(Unsafe.Add(ref cosT, t + h)), s2 = TV.Splat(Unsafe.Add(ref sinT, t + h));
                                a2r = TV.MulAdd(xr, c2, a2r); a2i = TV.MulAdd(xi, c2, a2i);
                                b2r = TV.MulAdd(yr, s2, b2r); b2i = TV.MulAdd(yi, s2, b2i);
                                TV c3 = TV.Splat(Unsafe.Add(ref cosT, t + 2 * h)), s3 = TV.Splat(Unsafe.Add(ref sinT, t + 2 * h));
                                a3r = TV.MulAdd(xr, c3, a3r); a3i = TV.MulAdd(xi, c3, a3i);
                                b3r = TV.MulAdd(yr, s3, b3r); b3i = TV.MulAdd(yi, s3, b3i);
                                TV c4 = TV.Splat(Unsafe.Add(ref cosT, t + 3 * h)), s4 = TV.Splat(Unsafe.Add(ref sinT, t + 3 * h));
                                a4r = TV.MulAdd(xr, c4, a4r); a4i = TV.MulAdd(xi, c4, a4i);
                                b4r = TV.MulAdd(yr, s4, b4r); b4i = TV.MulAdd(yi, s4, b4i);
                            }
                            StoreOddPair(ref dr, ref di, d, outStride, p, q, a1r, a1i, b1r, b1i);
                            StoreOddPair(ref dr, ref di, d, outStride, p, q + 1, a2r, a2i, b2r, b2i);
                            StoreOddPair(ref dr, ref di, d, outStride, p, q + 2, a3r, a3i, b3r, b3i);
                            StoreOddPair(ref dr, ref di, d, outStride, p, q + 3, a4r, a4i, b4r, b4i);
                        }
                    // Two outputs pairs at a time: each loaded a/b term serves both (the loop is bound by loads).
                    for (; q + 1 <= h; q += 2)
                    {
                        TV a1r = x0r, a1i = x0i, b1r = zero, b1i = zero;
                        TV a2r = x0r, a2i = x0i, b2r = zero, b2i = zero;
                        int row1 = (q - 1) * h, row2 = q * h;
                        for (int r = 0; r < h; r++)
                        {
                            TV xr = Unsafe.Add(ref ar, r), xi = Unsafe.Add(ref ai, r), yr = Unsafe.Add(ref br, r), yi = Unsafe.Add(ref bi, r);
                            TV c1 = TV.Splat(Unsafe.Add(ref cosT, row1 + r)), s1 = TV.Splat(Unsafe.Add(ref sinT, row1 + r));
                            TV c2 = TV.Splat(Unsafe.Add(ref cosT, row2 + r)), s2 = TV.Splat(Unsafe.Add(ref sinT, row2 + r));
                            a1r = TV.MulAdd(xr, c1, a1r); a1i = TV.MulAdd(xi, c1, a1i);
                            b1r = TV.MulAdd(yr, s1, b1r); b1i = TV.MulAdd(yi, s1, b1i);
                            a2r = TV.MulAdd(xr, c2, a2r); a2i = TV.MulAdd(xi, c2, a2i);
                            b2r = TV.MulAdd(yr, s2, b2r); b2i = TV.MulAdd(yi, s2, b2i);
                        }
                        StoreOddPair(ref dr, ref di, d, outStride, p, q, a1r, a1i, b1r, b1i);
                        StoreOddPair(ref dr, ref di, d, outStride, p, q + 1, a2r, a2i, b2r, b2i);
                    }
                    for (; q <= h; q++)
                    {
                        TV accAr = x0r, accAi = x0i, accBr = zero, accBi = zero;
                        int row = (q - 1) * h;
                        for (int r = 0; r < h; r++)
                        {
                            TV c = TV.Splat(Unsafe.Add(ref cosT, row + r)), s = TV.Splat(Unsafe.Add(ref sinT, row + r));
                            accAr = TV.MulAdd(Unsafe.Add(ref ar, r), c, accAr); accAi = TV.MulAdd(Unsafe.Add(ref ai, r), c, accAi);
                            accBr = TV.MulAdd(Unsafe.Add(ref br, r), s, accBr); accBi = TV.MulAdd(Unsafe.Add(ref bi, r), s, accBi);
                        }
                        StoreOddPair(ref dr, ref di, d, outStride, p, q, accAr, accAi, accBr, accBi);
                    }
                }
    }

    /// <summary>y[q] = A − i·B and y[p − q] = A + i·B (B already carries the direction's sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOddPair<TV>(ref float dr, ref float di, int d, int outStride, int p, int q,
        TV accAr, TV accAi, TV accBr, TV accBi) where TV : unmanaged, IVec<TV>
    {
        TV.Store(TV.Add(accAr, accBi), ref Unsafe.Add(ref dr, d + q * outStride));
        TV.Store(TV.Sub(accAi, accBr), ref Unsafe.Add(ref di, d + q * outStride));
        TV.Store(TV.Sub(accAr, accBi), ref Unsafe.Add(ref dr, d + (p - q) * outStride));
        TV.Store(TV.Add(accAi, accBr), ref Unsafe.Add(ref di, d + (p - q) * outStride));
    }
}
