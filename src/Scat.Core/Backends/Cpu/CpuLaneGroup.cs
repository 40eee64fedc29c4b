using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>
/// The CPU backend's primitives for one group of up to <see cref="LanePlan.Lanes"/> planes, laid side by side:
/// element e of every signal holds the group's planes in consecutive floats, so each FFT butterfly and each
/// pointwise step works on all of them with SIMD. One group per thread; its buffers are reused across groups.
/// </summary>
internal sealed partial class CpuLaneGroup : IScatteringOps
{
    private readonly int _lanes;
    private readonly int _width;

    private readonly ScatteringLayout _layout;
    private readonly FilterBank _bank;
    private readonly Dictionary<int, LaneFft> _ffts;
    private readonly Slot[] _slots;
    private readonly LaneSizes _sizes;
    // The arrays of the run in progress, rented from LaneMemory (the low-pass inverse's row pairs: Pack).
    private LaneBuffers? _buffers;
    private LaneBuffers Buffers => _buffers ?? throw new InvalidOperationException("a lane group's arrays exist only while it runs");
    private LaneArray ScratchRe => Buffers.ScratchRe;
    private LaneArray ScratchIm => Buffers.ScratchIm;
    private LaneArray PackRe => Buffers.PackRe;
    private LaneArray PackIm => Buffers.PackIm;

    // The planes of the group being run and where their coefficients go (pinned by the engine for the call).
    private unsafe float* _input;
    private unsafe float* _output;
    private int _planeCount;
    private int _orientations = 1;
    // The modulus watches for overflow (the rerun of a group whose coefficients were not all finite).
    private bool _guarded;

    /// <summary>Lanes holding a signal: <see cref="_orientations"/> per plane.</summary>
    private int UsedLanes => _planeCount * _orientations;

    public int Orientations => _orientations;

    private sealed class Slot
    {
        public LaneArray Re, Im;
        public int Height, Width;
        /// <summary>
        /// The spectrum of a real signal, of which only columns 0..W/2 are stored (the rest follows from
        /// Hermitian symmetry X[u, v] = conj X[−u, −v]).
        /// </summary>
        public bool Half;
    }

    public CpuLaneGroup(ScatteringLayout layout, FilterBank bank, Dictionary<int, LaneFft> ffts, LanePlan plan)
    {
        _layout = layout;
        _lanes = plan.Lanes;
        _width = plan.Width;
        _bank = bank;
        _ffts = ffts;
        _sizes = LaneSizes.Of(layout, _lanes);
        _slots = new Slot[Enum.GetValues<Spectrum>().Length];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot();
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

    /// <summary>
    /// Runs the cascade for planes [first, first + count) of the input into the output, each plane in
    /// <paramref name="orientations"/> lanes (<see cref="IScatteringOps.Orientations"/>): count · orientations ≤ lanes.
    /// </summary>
    /// <remarks>The caller keeps both buffers pinned for the duration of the call.</remarks>
    public unsafe void Run(float* planes, float* outputAll, int first, int count, int orientations = 1, bool guarded = false)
    {
        if (count < 1 || orientations < 1 || count * orientations > _lanes)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} planes in {orientations} lanes each do not fit {_lanes} lanes");
        int planeSize = _layout.Height * _layout.Width;
        _input = planes + (long)first * planeSize;
        _output = outputAll + (long)first * _layout.OutputPerPlane;
        _planeCount = count;
        _orientations = orientations;
        _guarded = guarded;
        var buffers = _buffers = LaneMemory.Rent(_sizes);
        try
        {
            for (int i = 0; i < _slots.Length; i++) { _slots[i].Re = buffers.Re[i]; _slots[i].Im = buffers.Im[i]; }
            ScatteringCascade.Run(this, _layout, _bank);
        }
        finally
        {
            foreach (var slot in _slots) { slot.Re = default; slot.Im = default; }
            _buffers = null;
            LaneMemory.Return(buffers);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PadForward(Spectrum dst)
    {
        var s = _slots[(int)dst];
        int h = _layout.PaddedHeight, w = _layout.PaddedWidth, ih = _layout.Height, iw = _layout.Width;
        ReadOnlySpan<float> src;
        unsafe { src = new ReadOnlySpan<float>(_input, _planeCount * ih * iw); }
        int used = UsedLanes, across = _orientations;
        int packed = h / 2 * w * _lanes;
        s.Re.AsSpan(0, packed).Clear();
        s.Im.AsSpan(0, packed).Clear();
        Span<int> colIndex = w <= 4096 ? stackalloc int[w] : new int[w];
        var mode = _layout.Padding;
        bool zeros = false;
        for (int x = 0; x < w; x++) zeros |= (colIndex[x] = PadIndex.Index(mode, x - _layout.PadLeft, iw)) < 0;
        for (int y = 0; y < h; y++)
        {
            int sy = PadIndex.Index(mode, y - _layout.PadTop, ih);
            if (sy < 0) continue; // a zero row: the cleared buffer holds it
            // Even rows go to the real part, odd rows to the imaginary part of packed row y / 2.
            var target = ((y & 1) == 0 ? s.Re : s.Im).Span;
            for (int l = 0; l < used; l++)
            {
                // Lane l holds plane l / across (every one of its orientation lanes starts from the same plane).
                var row = src.Slice(l / across * ih * iw + sy * iw, iw);
                int o = (y >> 1) * w * _lanes + l;
                if (zeros)
                    for (int x = 0; x < w; x++) target[o + x * _lanes] = colIndex[x] < 0 ? 0f : row[colIndex[x]];
                else
                    for (int x = 0; x < w; x++) target[o + x * _lanes] = row[colIndex[x]];
            }
        }
        RealForward2D(s, h, w);
    }

    public void MultiplyPeriodize(Spectrum src, FilterRef filter, int k, Spectrum dst)
    {
        var a = _slots[(int)src];
        var d = _slots[(int)dst];
        int h = a.Height, w = a.Width;
        LaneArray f = filter.IsLowPass ? _bank.LowPass[filter.Resolution] : _bank.Wavelets[filter.Wavelet].Levels[filter.Resolution];
        if (f.Length != h * w) throw new InvalidOperationException($"filter at resolution {filter.Resolution} does not match a {h}x{w} spectrum");
        int oh = h / k, ow = w / k;
        // The low-pass result is the spectrum of a real map: its inverse needs only half of it.
        bool halfOut = dst == Spectrum.Low;
        int columns = halfOut ? ow / 2 + 1 : ow;
        if (filter.Orientations > 1)
        {
            if (filter.Orientations != _orientations || filter.IsLowPass) throw new InvalidOperationException($"{filter} does not match {_orientations} orientation lanes");
            MulPeriodizeAt(_width, _lanes, a.Re, a.Im, a.Half, LaneFilter(filter, h * w), d.Re, d.Im, h, w, k, columns, laneFilter: true);
        }
        else
            MulPeriodizeAt(_width, _lanes, a.Re, a.Im, a.Half, f, d.Re, d.Im, h, w, k, columns);
        d.Height = oh; d.Width = ow; d.Half = halfOut;
    }

    /// <summary>
    /// The wavelets of <paramref name="filter"/> interleaved like a spectrum: element e, lane l holds wavelet
    /// Wavelet + l mod S at element e (lanes past the group's planes hold 0, as their signals do).
    /// </summary>
    private LaneArray LaneFilter(FilterRef filter, int elements)
    {
        var laneFilter = Buffers.LaneFilter;
        var lf = laneFilter.Span;
        int used = UsedLanes;
        for (int l = 0; l < _lanes; l++)
        {
            if (l >= used) { for (int e = 0; e < elements; e++) lf[e * _lanes + l] = 0f; continue; }
            var f = _bank.Wavelets[filter.Wavelet + l % _orientations].Levels[filter.Resolution];
            for (int e = 0; e < elements; e++) lf[e * _lanes + l] = f[e];
        }
        return laneFilter;
    }

    /// <summary>
    /// <see cref="MulPeriodize{TV}"/> with the vectors of the given width, on plain arrays of h × w elements of
    /// <paramref name="lanes"/> floats (the source a half spectrum if <paramref name="half"/>): also for tests. With
    /// <paramref name="laneFilter"/>, <paramref name="f"/> holds h × w elements of <paramref name="lanes"/> floats too
    /// (a filter per lane), else one float per element for every lane.
    /// </summary>
    internal static void MulPeriodizeAt(int width, int lanes, LaneArray re, LaneArray im, bool half, LaneArray f, LaneArray dstRe, LaneArray dstIm,
        int h, int w, int k, int columns, bool laneFilter = false)
    {
        if (h % k != 0 || w % k != 0) throw new ArgumentException($"a {h}x{w} spectrum cannot be periodized by {k}");
        if (f.Length < h * w * (laneFilter ? lanes : 1) || re.Length < h * w * lanes || im.Length < h * w * lanes
            || dstRe.Length < h / k * (w / k) * lanes || dstIm.Length < h / k * (w / k) * lanes || columns > w / k)
            throw new ArgumentException("periodization buffers are too small");
        Simd.Run(width, new MulPeriodizeKernel(lanes, re, im, half, f, dstRe, dstIm, h, w, h / k, w / k, columns, k, laneFilter));
    }

    /// <summary>
    /// dst[y, x] = (1/k²) Σ over i, j &lt; k of src[y + i·oh, x + j·ow] · f[same], for x &lt; columns. Each output
    /// element sums its k² folds in registers (i major, j minor) and is stored once. In a half-spectrum source a
    /// fold's column beyond w/2 is read mirrored and conjugated; the columns are cut into runs where every fold is
    /// either direct or mirrored, so that each fold's source moves by a fixed step along the run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void MulPeriodize<TV, TF>(int lanes, LaneArray srcRe, LaneArray srcIm, bool half, LaneArray f, LaneArray dstRe, LaneArray dstIm,
        int h, int w, int oh, int ow, int columns, int k)
        where TV : unmanaged, IVec<TV>
        where TF : struct, IFilterValues
    {
        ref float ar = ref srcRe.Ref;
        ref float ai = ref srcIm.Ref;
        ref float dr = ref dstRe.Ref;
        ref float di = ref dstIm.Ref;
        ref float fr = ref f.Ref;
        int stored = half ? w / 2 : w - 1; // last column held directly
        int folds = k * k;
        // Per fold t = i·k + j: where it starts for x = 0 read directly and mirrored, its filter's start, and for
        // the current run its start, step and whether it is mirrored (conjugated).
        Span<int> ints = folds <= 32 ? stackalloc int[6 * folds] : new int[6 * folds];
        Span<int> direct0 = ints.Slice(0, folds), mirror0 = ints.Slice(folds, folds), filter0 = ints.Slice(2 * folds, folds);
        Span<int> start = ints.Slice(3 * folds, folds), step = ints.Slice(4 * folds, folds), mirrored = ints.Slice(5 * folds, folds);
        // Column v0 + x of fold j is stored directly for x < split[j], else read mirrored.
        Span<int> split = k <= 32 ? stackalloc int[k] : new int[k];
        for (int j = 0; j < k; j++) split[j] = Math.Clamp(stored - j * ow + 1, 0, columns);
        TV scale = TV.Splat(1f / folds);
        TV zero = TV.Splat(0f);
        // Rows in the order 0, oh − 1, 1, oh − 2, 2, …: output rows y and oh − y read the same source rows (y + i·oh
        // directly, oh − y + i·oh mirrored), so the second finds them in cache; in the order 0, 1, 2, … a half
        // spectrum larger than the cache was read from memory twice.
        for (int n = 0; n < oh; n++)
        {
            int y = (n & 1) == 0 ? n >> 1 : oh - ((n + 1) >> 1);
            for (int i = 0; i < k; i++)
            {
                int u = y + i * oh, um = (h - u) % h;
                for (int j = 0; j < k; j++)
                {
                    int t = i * k + j, v0 = j * ow;
                    direct0[t] = (u * w + v0) * lanes;
                    mirror0[t] = (um * w + w - v0) * lanes;
                    filter0[t] = u * w + v0;
                }
            }
            int drow = y * ow * lanes;
            for (int x0 = 0; x0 < columns;)
            {
                int x1 = columns;
                for (int j = 0; j < k; j++)
                    if (split[j] > x0 && split[j] < x1) x1 = split[j];
                for (int t = 0; t < folds; t++)
                {
                    bool direct = x0 < split[t % k];
                    start[t] = direct ? direct0[t] : mirror0[t];
                    step[t] = direct ? lanes : -lanes;
                    mirrored[t] = direct ? 0 : 1;
                }
                if (folds == 4 && TV.Count == lanes && !TF.PerLane)
                {
                    Folds4<TV>(lanes, ref ar, ref ai, ref fr, ref dr, ref di, start, step, filter0, mirrored, x0, x1, drow, scale);
                    x0 = x1;
                    continue;
                }
                ref int startRef = ref MemoryMarshal.GetReference(start);
                ref int stepRef = ref MemoryMarshal.GetReference(step);
                ref int filterRef = ref MemoryMarshal.GetReference(filter0);
                ref int mirroredRef = ref MemoryMarshal.GetReference(mirrored);
                for (int x = x0; x < x1; x++)
                {
                    int o = drow + x * lanes;
                    for (int b = 0; b < lanes; b += TV.Count)
                    {
                        // The first fold: a product; the imaginary part of a mirrored term is conjugated: −f·Im.
                        // A lane filter gives each lane its own value: the same products and sums, lane by lane.
                        TV fv = TF.At<TV>(ref fr, filterRef + x, lanes, b);
                        TV fi = mirroredRef == 0 ? fv : TV.Sub(zero, fv);
                        int e = startRef + stepRef * x + b;
                        TV pr = TV.Mul(TV.Load(ref Unsafe.Add(ref ar, e)), fv);
                        TV pi = TV.Mul(TV.Load(ref Unsafe.Add(ref ai, e)), fi);
                        for (int t = 1; t < folds; t++)
                        {
                            fv = TF.At<TV>(ref fr, Unsafe.Add(ref filterRef, t) + x, lanes, b);
                            fi = Unsafe.Add(ref mirroredRef, t) == 0 ? fv : TV.Sub(zero, fv);
                            e = Unsafe.Add(ref startRef, t) + Unsafe.Add(ref stepRef, t) * x + b;
                            pr = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ar, e)), fv, pr);
                            pi = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ai, e)), fi, pi);
                        }
                        if (folds > 1) { pr = TV.Mul(pr, scale); pi = TV.Mul(pi, scale); }
                        TV.Store(pr, ref Unsafe.Add(ref dr, o + b));
                        TV.Store(pi, ref Unsafe.Add(ref di, o + b));
                    }
                }
                x0 = x1;
            }
        }
    }

    /// <summary>
    /// The run [x0, x1) of one output row for k = 2 with one vector per element: MulPeriodize's arithmetic, in its
    /// order, with the four folds' positions held in registers (the most frequent case: order-2 bands, low-pass
    /// at J − 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Folds4<TV>(int lanes, ref float ar, ref float ai, ref float fr, ref float dr, ref float di,
        Span<int> start, Span<int> step, Span<int> filter0, Span<int> mirrored, int x0, int x1, int drow, TV scale)
        where TV : unmanaged, IVec<TV>
    {
        int s0 = step[0], s1 = step[1], s2 = step[2], s3 = step[3];
        int e0 = start[0] + s0 * x0, e1 = start[1] + s1 * x0, e2 = start[2] + s2 * x0, e3 = start[3] + s3 * x0;
        ref float f0 = ref Unsafe.Add(ref fr, filter0[0] + x0);
        ref float f1 = ref Unsafe.Add(ref fr, filter0[1] + x0);
        ref float f2 = ref Unsafe.Add(ref fr, filter0[2] + x0);
        ref float f3 = ref Unsafe.Add(ref fr, filter0[3] + x0);
        bool m0 = mirrored[0] != 0, m1 = mirrored[1] != 0, m2 = mirrored[2] != 0, m3 = mirrored[3] != 0;
        ref float outR = ref Unsafe.Add(ref dr, drow + x0 * lanes);
        ref float outI = ref Unsafe.Add(ref di, drow + x0 * lanes);
        TV zero = TV.Splat(0f);
        for (int x = 0, o = 0; x < x1 - x0; x++, o += lanes)
        {
            TV fv = TV.Splat(Unsafe.Add(ref f0, x));
            TV pr = TV.Mul(TV.Load(ref Unsafe.Add(ref ar, e0)), fv);
            TV pi = TV.Mul(TV.Load(ref Unsafe.Add(ref ai, e0)), m0 ? TV.Sub(zero, fv) : fv);
            fv = TV.Splat(Unsafe.Add(ref f1, x));
            pr = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ar, e1)), fv, pr);
            pi = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ai, e1)), m1 ? TV.Sub(zero, fv) : fv, pi);
            fv = TV.Splat(Unsafe.Add(ref f2, x));
            pr = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ar, e2)), fv, pr);
            pi = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ai, e2)), m2 ? TV.Sub(zero, fv) : fv, pi);
            fv = TV.Splat(Unsafe.Add(ref f3, x));
            pr = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ar, e3)), fv, pr);
            pi = TV.MulAdd(TV.Load(ref Unsafe.Add(ref ai, e3)), m3 ? TV.Sub(zero, fv) : fv, pi);
            TV.Store(TV.Mul(pr, scale), ref Unsafe.Add(ref outR, o));
            TV.Store(TV.Mul(pi, scale), ref Unsafe.Add(ref outI, o));
            e0 += s0; e1 += s1; e2 += s2; e3 += s3;
        }
    }

    public void ModulusForward(Spectrum src, Spectrum dst)
    {
        var a = _slots[(int)src];
        var d = _slots[(int)dst];
        int h = a.Height, w = a.Width;
        if (a.Half) throw new InvalidOperationException("the band must be a full spectrum");
        Fft2D(a, inverse: true);
        Simd.Run(_width, new ModulusKernel(a.Re, a.Im, d.Re, d.Im, h, w * _lanes, 1f / (h * w), _guarded));
        RealForward2D(d, h, w);
    }

    /// <summary>
    /// |re + i·im| · scale, as sqrt(re² + im²) · scale, for the h rows of a band; row y goes to packed row y / 2 of
    /// the destination: even rows real, odd rows imaginary. Where re² + im² overflows (|z| beyond 1.8e19, as in the
    /// unnormalised inverse of a band of inputs near 1e15 and above) that gives infinity although the result is
    /// finite. Guarded (<typeparamref name="TG"/>; the engine's rerun of a group whose coefficients were not finite),
    /// such elements are found by one sum of the band's results and computed again by <see cref="ModulusOfHuge"/>;
    /// every other element keeps the bits of the plain formula, so a rerun changes only what overflowed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Modulus<TV, TG>(LaneArray re, LaneArray im, LaneArray dstRe, LaneArray dstIm, int h, int row, float scale)
        where TV : unmanaged, IVec<TV>
        where TG : struct, IOverflowGuard
    {
        TV vs = TV.Splat(scale);
        TV sum = TV.Splat(0f);
        for (int y = 0; y < h; y++)
        {
            ref float r = ref Unsafe.Add(ref re.Ref, y * row);
            ref float i = ref Unsafe.Add(ref im.Ref, y * row);
            ref float o = ref Unsafe.Add(ref ((y & 1) == 0 ? dstRe : dstIm).Ref, (y >> 1) * row);
            for (int e = 0; e < row; e += TV.Count)
            {
                TV x = TV.Load(ref Unsafe.Add(ref r, e)), v = TV.Load(ref Unsafe.Add(ref i, e));
                TV m = TV.Mul(TV.Sqrt(TV.MulAdd(x, x, TV.Mul(v, v))), vs);
                if (TG.On) sum = TV.Add(sum, m);
                TV.Store(m, ref Unsafe.Add(ref o, e));
            }
        }
        if (!TG.On) return;
        // The sum is finite when every result is (a false alarm, values summing past float's range, only costs the scan).
        Span<float> lanes = stackalloc float[TV.Count];
        TV.Store(sum, ref MemoryMarshal.GetReference(lanes));
        foreach (float total in lanes)
        {
            if (float.IsFinite(total)) continue;
            for (int y = 0; y < h; y++)
            {
                var o = ((y & 1) == 0 ? dstRe : dstIm).AsSpan((y >> 1) * row, row);
                var r = re.AsSpan(y * row, row);
                var i = im.AsSpan(y * row, row);
                for (int e = 0; e < row; e++)
                    if (!float.IsFinite(o[e])) o[e] = ModulusOfHuge(r[e], i[e], scale);
            }
            return;
        }
    }

    /// <summary>
    /// |x + i·y| · scale without overflow: x and y scaled by 2⁻⁹⁶ first (exact, but for a part too small to
    /// matter beside the other), the result by 2⁹⁶ last (exact). Infinite only where the result is; NaN stays NaN.
    /// </summary>
    internal static float ModulusOfHuge(float x, float y, float scale)
    {
        const float Up = 79228162514264337593543950336f; // 2^96
        const float Down = 1f / Up;
        float a = x * Down, b = y * Down;
        return MathF.Sqrt(MathF.FusedMultiplyAdd(a, a, b * b)) * scale * Up;
    }

    /// <summary>
    /// crop(Re F⁻¹(src)) for a half spectrum: inverse column transforms of the stored columns, then the rows
    /// (Hermitian, so their inverses are real) two at a time as one complex row transform, Z = G(2m) + i·G(2m+1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void InverseCropStore(Spectrum src, int channel, int orientationStep)
    {
        var a = _slots[(int)src];
        if (!a.Half) throw new InvalidOperationException("the low-pass result must be a half spectrum");
        int h = a.Height, w = a.Width, stored = w / 2, pairs = (h + 1) / 2, row = w * _lanes;
        Columns(a, h, w, stored + 1, inverse: true);
        var re = a.Re; var im = a.Im;
        Simd.Run(_width, new PackRowPairsKernel(_lanes, re, im, PackRe, PackIm, h, w));
        Rows(PackRe, PackIm, pairs, w, inverse: true);
        float scale = 1f / (h * w);
        int oh = _layout.OutHeight, ow = _layout.OutWidth, plane = _layout.OutPlaneSize, perPlane = _layout.OutputPerPlane;
        int across = _orientations, used = UsedLanes, step = orientationStep;
        ref float outRef = ref Unsafe.NullRef<float>();
        unsafe { outRef = ref *_output; }
        for (int y = 0; y < oh; y++)
        {
            int sy = y + 1;
            ref float source = ref ((sy & 1) == 0 ? PackRe : PackIm).Ref;
            int srow = (sy >> 1) * row;
            for (int x = 0; x < ow; x++)
            {
                int e = srow + (x + 1) * _lanes;
                int o = channel * plane + y * ow + x;
                if (across == 1)
                {
                    for (int p = 0; p < _planeCount; p++)
                        Unsafe.Add(ref outRef, p * perPlane + o) = Unsafe.Add(ref source, e + p) * scale;
                    continue;
                }
                // Lane l = p · S + s: plane p, channel + s · step (a step of 0: lane s = 0 only, the others agree).
                for (int l = 0; l < used; l += step == 0 ? across : 1)
                    Unsafe.Add(ref outRef, l / across * perPlane + o + l % across * step * plane) = Unsafe.Add(ref source, e + l) * scale;
            }
        }
    }

    /// <summary>
    /// Rows 2m and 2m + 1 of a row-Hermitian h × w array (columns 0..w/2 stored) into packed row m:
    /// Z = G(2m) + i·G(2m + 1), whole rows rebuilt from the stored half (G[w − v] = conj G[v]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowPairs<TV>(int lanes, LaneArray re, LaneArray im, LaneArray packRe, LaneArray packIm, int h, int w) where TV : unmanaged, IVec<TV>
    {
        ref float r = ref re.Ref;
        ref float i = ref im.Ref;
        ref float pr = ref packRe.Ref;
        ref float pi = ref packIm.Ref;
        int row = w * lanes, stored = w / 2, pairs = (h + 1) / 2;
        TV zero = TV.Splat(0f);
        for (int m = 0; m < pairs; m++)
        {
            int r1 = 2 * m * row, r2 = (2 * m + 1) * row, o = m * row;
            bool second = 2 * m + 1 < h;
            for (int v = 0; v < w; v++)
            {
                bool direct = v <= stored;
                int c = (direct ? v : w - v) * lanes;
                for (int b = 0; b < lanes; b += TV.Count)
                {
                    TV g1r = TV.Load(ref Unsafe.Add(ref r, r1 + c + b)), g1i = TV.Load(ref Unsafe.Add(ref i, r1 + c + b));
                    if (!direct) g1i = TV.Sub(zero, g1i);
                    TV zr = g1r, zi = g1i;
                    if (second)
                    {
                        TV g2r = TV.Load(ref Unsafe.Add(ref r, r2 + c + b)), g2i = TV.Load(ref Unsafe.Add(ref i, r2 + c + b));
                        if (!direct) g2i = TV.Sub(zero, g2i);
                        zr = TV.Sub(g1r, g2i);
                        zi = TV.Add(g1i, g2r);
                    }
                    TV.Store(zr, ref Unsafe.Add(ref pr, o + v * lanes + b));
                    TV.Store(zi, ref Unsafe.Add(ref pi, o + v * lanes + b));
                }
            }
        }
    }

    /// <summary>Bytes of split-complex data a group of rows or a strip of columns may span so that all the stages
    /// of its transform run in the core's cache.</summary>
    private const int CacheBytes = 128 * 1024;

    /// <summary>Bytes of each array a column strip spans in one row, at the least (4 cache lines): where the strip that
    /// fits <see cref="CacheBytes"/> is narrower (large planes: one column of 16 lanes at 520², one of 8 at 1032²),
    /// each row's run used only part of the lines it brought in, and the column passes at 1032² were 3-4× slower per
    /// element than the row passes. Measured on a 2-core AVX-512 machine (docs/benchmarks.md, issue 20): 8 columns of 8
    /// lanes 1.4× faster at 1024², ~10 % at 512²; 4 columns of 16 lanes instead of 3 at 264² 13 % faster; 136² and
    /// below unchanged (their strips are already this wide).</summary>
    private const int StripRowBytes = 256;

    /// <summary>Rows transformed together: each butterfly serves them all, and they stay in cache.</summary>
    private int RowsTogether(int w) => RowsTogether(w, _lanes);

    private static int RowsTogether(int w, int lanes) => Math.Max(1, CacheBytes / (w * lanes * 2 * sizeof(float)));

    /// <summary>Columns of a strip, of <paramref name="count"/> columns of height <paramref name="h"/> to transform: a
    /// whole number of the machine's widest vectors per row where the plan's are narrower (<see cref="ColumnWidth"/>):
    /// at 132² with 8 lanes a strip of 15 columns ran on 256-bit vectors, one of 14 runs on 512-bit ones.</summary>
    private static int StripColumns(int h, int count, int lanes)
    {
        int strip = Math.Max(CacheBytes / (h * lanes * 2 * sizeof(float)), StripRowBytes / (lanes * sizeof(float)));
        int per = Math.Max(1, Simd.FloatsOf(Simd.Width) / lanes);
        return Math.Clamp(Math.Max(per, strip / per * per), 1, count);
    }

    /// <summary>Rows a vector of the widest width holds side by side where the plan's lanes fill half of it (2), else 1.</summary>
    private static int RowsPerVector(int lanes) => Simd.FloatsOf(Simd.Width) == 2 * lanes ? 2 : 1;

    /// <summary>
    /// Row transforms of rows 0..count−1 (each of w elements of one lane vector). Where the plan's lanes fill half of the
    /// widest vector (8 lanes with AVX-512, 4 with AVX2), rows go in pairs through a compact buffer at the end of the scratch, element e
    /// of a pair holding both rows' lane vectors, so that the butterflies run on the wide vectors; the pairs' stages run
    /// in the scratch before it, and a last odd row alone. Each lane's arithmetic is the same: the same bits. Measured on
    /// a 2-core AVX-512 machine (docs/benchmarks.md, issue 20): 512² 7–8 % faster, 1024² 3 %, 256² the same.
    /// </summary>
    private void Rows(LaneArray re, LaneArray im, int count, int w, bool inverse)
    {
        int row = w * _lanes;
        if (RowsPerVector(_lanes) == 1 || count < 2)
        {
            _ffts[w].Transform(re, im, ScratchRe, ScratchIm, count, _lanes, _lanes, row, inverse, RowsTogether(w), _width);
            return;
        }
        int block = 2 * _lanes, pairs = count / 2, together = PairsTogether(w, _lanes, pairs);
        int c = checked(2 * together * w * block);
        var cRe = ScratchRe.AsSpan(c, together * w * block);
        var cIm = ScratchIm.AsSpan(c, together * w * block);
        for (int p0 = 0; p0 < pairs; p0 += together)
        {
            int sub = Math.Min(together, pairs - p0);
            Simd.Run(_width, new RowPairsKernel(re, im, cRe, cIm, p0, sub, w, _lanes, toPairs: true));
            _ffts[w].Transform(cRe, cIm, ScratchRe, ScratchIm, sub, block, block, w * block, inverse, sub, Simd.Width);
            Simd.Run(_width, new RowPairsKernel(re, im, cRe, cIm, p0, sub, w, _lanes, toPairs: false));
        }
        if (count % 2 == 1)
            _ffts[w].Transform(re.AsSpan((count - 1) * row), im.AsSpan((count - 1) * row), ScratchRe, ScratchIm, 1, _lanes, _lanes, row, inverse, 1, _width);
    }

    /// <summary>Row pairs transformed together: the rows of <see cref="RowsTogether(int, int)"/>, at most the pairs there are.</summary>
    private static int PairsTogether(int w, int lanes, int pairs) => Math.Max(1, Math.Min(RowsTogether(w, lanes) / 2, pairs));

    private readonly ref struct RowPairsKernel(LaneArray re, LaneArray im, Span<float> cRe, Span<float> cIm, int p0, int sub, int w, int lanes, bool toPairs) : ISimdKernel
    {
        private readonly Span<float> _cRe = cRe, _cIm = cIm;

        public void Run<TV>() where TV : unmanaged, IVec<TV>
        {
            Interleave<TV>(ref re.Ref, ref MemoryMarshal.GetReference(_cRe), p0, sub, w, lanes, toPairs);
            Interleave<TV>(ref im.Ref, ref MemoryMarshal.GetReference(_cIm), p0, sub, w, lanes, toPairs);
        }
    }

    /// <summary>Rows 2p and 2p + 1 (p from p0, sub pairs) to or from pair p − p0 of the compact buffer: element e of the pair
    /// holds row 2p's lane vector and then row 2p + 1's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Interleave<TV>(ref float rows, ref float pairs, int p0, int sub, int w, int lanes, bool toPairs) where TV : unmanaged, IVec<TV>
    {
        int row = w * lanes;
        for (int p = 0; p < sub; p++)
        {
            ref float first = ref Unsafe.Add(ref rows, 2 * (p0 + p) * row);
            ref float second = ref Unsafe.Add(ref first, row);
            ref float pair = ref Unsafe.Add(ref pairs, p * 2 * row);
            for (int e = 0; e < w; e++)
                for (int b = 0; b < lanes; b += TV.Count)
                {
                    int o = e * lanes + b, q = 2 * e * lanes + b;
                    if (toPairs)
                    {
                        TV.Store(TV.Load(ref Unsafe.Add(ref first, o)), ref Unsafe.Add(ref pair, q));
                        TV.Store(TV.Load(ref Unsafe.Add(ref second, o)), ref Unsafe.Add(ref pair, q + lanes));
                    }
                    else
                    {
                        TV.Store(TV.Load(ref Unsafe.Add(ref pair, q)), ref Unsafe.Add(ref first, o));
                        TV.Store(TV.Load(ref Unsafe.Add(ref pair, q + lanes)), ref Unsafe.Add(ref second, o));
                    }
                }
        }
    }

    /// <summary>Floats of each FFT scratch array: enough for the row groups and the column strips of every resolution.</summary>
    internal static int ScratchFloats(ScatteringLayout layout, int lanes)
    {
        long most = 0;
        for (int r = 0; r <= layout.J; r++)
        {
            int h = layout.PaddedHeight >> r, w = layout.PaddedWidth >> r;
            most = Math.Max(most, 2L * Math.Min(RowsTogether(w, lanes), h) * w * lanes);
            if (RowsPerVector(lanes) == 2) most = Math.Max(most, 3L * PairsTogether(w, lanes, h / 2) * w * 2 * lanes);
            most = Math.Max(most, 2L * StripColumns(h, w, lanes) * lanes * h);
        }
        return checked((int)most);
    }

    private void Fft2D(Slot s, bool inverse)
    {
        int h = s.Height, w = s.Width;
        // Rows: h signals of w elements, an element being one lane vector.
        Rows(s.Re, s.Im, h, w, inverse);
        Columns(s, h, w, w, inverse);
    }

    /// <summary>Column transforms of columns 0..count−1, a strip at a time (element = that strip of one row).</summary>
    private void Columns(Slot s, int h, int w, int count, bool inverse)
    {
        int row = w * _lanes;
        int strip = StripColumns(h, count, _lanes);
        int full = count / strip, rest = count - full * strip;
        if (full > 0)
            _ffts[h].Transform(s.Re, s.Im, ScratchRe, ScratchIm, full, strip * _lanes, row, strip * _lanes, inverse, width: ColumnWidth(strip));
        if (rest > 0)
        {
            int c = full * strip * _lanes;
            _ffts[h].Transform(s.Re.AsSpan(c), s.Im.AsSpan(c), ScratchRe, ScratchIm, 1, rest * _lanes, row, 0, inverse, width: ColumnWidth(rest));
        }
    }

    /// <summary>The vectors of a column pass: the machine's widest where a strip's row fills them, whatever the plan's
    /// width (the plan's lanes bound the row passes only; the bits do not depend on the width).</summary>
    private int ColumnWidth(int columns) =>
        Simd.Width > _width && columns * _lanes % Simd.FloatsOf(Simd.Width) == 0 ? Simd.Width : _width;

    /// <summary>
    /// Forward transform of a real h × w signal held packed: row 2m in the real part and row 2m + 1 in the
    /// imaginary part of row m. One complex row transform serves two real rows; after unpacking, only the
    /// columns 0..w/2 of the half spectrum are transformed. The slot ends as a half spectrum in h × w layout.
    /// </summary>
    private void RealForward2D(Slot s, int h, int w)
    {
        Rows(s.Re, s.Im, h / 2, w, inverse: false);
        Simd.Run(_width, new UnpackKernel(_lanes, s.Re, s.Im, h, w));
        s.Height = h; s.Width = w; s.Half = true;
        Columns(s, h, w, w / 2 + 1, inverse: false);
    }

    /// <summary>
    /// Z = F(a + ib) of packed row m gives A = F(a) and B = F(b): A[k] = (Z[k] + conj Z[−k]) / 2,
    /// B[k] = (Z[k] − conj Z[−k]) / 2i, written to rows 2m and 2m + 1, columns 0..w/2. In place: rows are
    /// done from the last to the first, so no packed row is overwritten before it is read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpack<TV>(int lanes, LaneArray re, LaneArray im, int h, int w) where TV : unmanaged, IVec<TV>
    {
        ref float r = ref re.Ref;
        ref float i = ref im.Ref;
        TV half = TV.Splat(0.5f);
        int row = w * lanes;
        for (int m = h / 2 - 1; m >= 0; m--)
        {
            int src = m * row, even = 2 * m * row, odd = (2 * m + 1) * row;
            for (int k = 0; k <= w / 2; k++)
            {
                int kk = k == 0 ? 0 : w - k;
                for (int b = 0; b < lanes; b += TV.Count)
                {
                    TV zr = TV.Load(ref Unsafe.Add(ref r, src + k * lanes + b)), zi = TV.Load(ref Unsafe.Add(ref i, src + k * lanes + b));
                    TV cr = TV.Load(ref Unsafe.Add(ref r, src + kk * lanes + b)), ci = TV.Load(ref Unsafe.Add(ref i, src + kk * lanes + b));
                    TV ar = TV.Mul(TV.Add(zr, cr), half), ai = TV.Mul(TV.Sub(zi, ci), half);
                    TV br = TV.Mul(TV.Add(zi, ci), half), bi = TV.Mul(TV.Sub(cr, zr), half);
                    TV.Store(ar, ref Unsafe.Add(ref r, even + k * lanes + b)); TV.Store(ai, ref Unsafe.Add(ref i, even + k * lanes + b));
                    TV.Store(br, ref Unsafe.Add(ref r, odd + k * lanes + b)); TV.Store(bi, ref Unsafe.Add(ref i, odd + k * lanes + b));
                }
            }
        }
    }
}
