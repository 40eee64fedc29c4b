using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scat.Transform;

/// <summary>
/// Plain double-precision complex FFT of any length: mixed radix, decimation in time, the smallest prime factor
/// first, each radix-p step (and a prime length's whole DFT) written as the direct sum y[k] = Σ_r sub_r[k mod m] ·
/// w^(r·k), r in order from an accumulator that starts at +0, with every twiddle read from one table of the N roots of
/// unity (a sub-transform of length N/q reads it with stride q). Used to build the filter bank, never in the
/// transform's hot path.
/// <para>
/// Why it is shaped this way: the filter bank must stay bit for bit what the first, recursive version of this class
/// built, so every output keeps exactly that version's sequence of IEEE multiplies and adds (a complex product is
/// (ac − bd, bc + ad), as System.Numerics.Complex, no FMA); only the waste around them is gone. The recursion's
/// arrays per level became a plan per length (the leaves' digit-reversed order, the factors, the roots) and reused
/// buffers; and many independent signals (the rows of the row pass, the columns of the column pass) run side by side,
/// one per lane of a <see cref="Vector{T}"/>, in strips of <see cref="Lanes"/> signals whose buffers stay in cache —
/// lane-wise IEEE operations give each lane exactly the scalar results. Elements that are ±0 in every lane of a strip
/// are not multiplied: their products are ±0, and adding ±0 to an accumulator that started at +0 never changes it (it
/// is never −0: a sum is −0 only when both terms are), so the skip gives the same bits; the small wavelets are zero on
/// most rows and columns. The last step of a transform whose real part alone is wanted computes only the real parts.
/// Hand-written because measurement justifies it: at 336 × 432 the recursive version took 45–115 ms per 2D transform
/// on the 2-core AMD EPYC, this one 1.3–2.3 ms (the smallest and the widest wavelet; docs/benchmarks.md, issue 21).
/// The tests keep the old code
/// (<c>ReferenceFilterBank</c>) and check this one against it bit for bit.
/// </para>
/// </summary>
internal static class Fft64
{
    /// <summary>Signals per strip: four vectors' worth of lanes (16 doubles with AVX2).</summary>
    private static readonly int Lanes = 4 * Vector<double>.Count;

    /// <summary>In-place unnormalised forward DFT of every row, then every column, of a rows × cols array.</summary>
    public static void Forward2D(Complex[] data, int rows, int cols)
    {
        using var ws = new Workspace2D(rows, cols, realOnly: false);
        Transform(Load(data, rows, cols), ws);
        for (int i = 0; i < data.Length; i++) data[i] = new Complex(ws.OutRe[i], ws.OutIm![i]);
    }

    /// <summary>The real part of <see cref="Forward2D"/>'s result; the data is left as it is.</summary>
    public static double[] RealOfForward2D(Complex[] data, int rows, int cols)
    {
        using var ws = new Workspace2D(rows, cols, realOnly: true);
        Transform(Load(data, rows, cols), ws);
        return ws.OutRe.AsSpan(0, rows * cols).ToArray();
    }

    /// <summary>Every row that is not all +0 as one span (the plain version skipped the rows of +0).</summary>
    private static SparseRows Load(Complex[] data, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(data.Length, rows * cols);
        var sparse = new SparseRows();
        sparse.Reset(rows, cols);
        for (int r = 0; r < rows; r++)
        {
            var row = data.AsSpan(r * cols, cols);
            if (!IsPositiveZero(MemoryMarshal.Cast<Complex, double>(row)))
            {
                int at = sparse.AddSpan(0, cols - 1);
                for (int c = 0; c < cols; c++) { sparse.Re[at + c] = row[c].Real; sparse.Im[at + c] = row[c].Imaginary; }
            }
            sparse.EndRow(r);
        }
        return sparse;
    }

    /// <summary>Unnormalised forward DFT X[k] = Σ x[n] e^{−2πi kn/N}.</summary>
    public static Complex[] Forward(Complex[] x)
    {
        int n = x.Length, w = Lanes;
        var plan = Plan.For(n);
        var s = new Scratch(n, w);
        for (int e = 0; e < n; e++)
        {
            var v = x[plan.Leaves[e]];
            s.Re[e * w] = v.Real;
            s.Im[e * w] = v.Imaginary;
        }
        s.MarkZeros(n);
        plan.Run(s, realOnly: false);
        var y = new Complex[n];
        for (int k = 0; k < n; k++) y[k] = new Complex(s.Re[k * w], s.Im[k * w]);
        return y;
    }

    /// <summary>
    /// A rows × cols complex array given by its runs of values: row x is +0 outside its spans [Lo[i], Hi[i]], i in
    /// [Start[x], Start[x + 1]), whose values are Re/Im[Offset[i] + y − Lo[i]] (spans and values in row-major order).
    /// Reused from one filter to the next (<see cref="Reset"/>); the arrays grow as needed.
    /// </summary>
    internal sealed class SparseRows
    {
        public int Rows { get; private set; }
        public int Cols { get; private set; }
        public int[] Start = [0];
        public int[] Lo = new int[64], Hi = new int[64], Offset = new int[64];
        public double[] Re = new double[1024], Im = new double[1024];
        /// <summary>The values in all spans.</summary>
        public int Count { get; private set; }
        private int _spans;

        public void Reset(int rows, int cols)
        {
            Rows = rows; Cols = cols; Count = 0; _spans = 0;
            if (Start.Length < rows + 1) Start = new int[rows + 1];
            Start[0] = 0;
        }

        /// <summary>Adds a span [lo, hi] to the current row; returns where its values go in Re/Im.</summary>
        public int AddSpan(int lo, int hi)
        {
            if (_spans == Lo.Length)
            {
                Array.Resize(ref Lo, 2 * _spans);
                Array.Resize(ref Hi, 2 * _spans);
                Array.Resize(ref Offset, 2 * _spans);
            }
            int at = Count, length = hi - lo + 1;
            if (at + length > Re.Length)
            {
                int size = Math.Max(2 * Re.Length, at + length);
                Array.Resize(ref Re, size);
                Array.Resize(ref Im, size);
            }
            Lo[_spans] = lo; Hi[_spans] = hi; Offset[_spans] = at;
            _spans++;
            Count += length;
            return at;
        }

        /// <summary>Ends row x (its spans are those added since the previous row ended).</summary>
        public void EndRow(int x) => Start[x + 1] = _spans;

        public bool IsBusy(int x) => Start[x + 1] > Start[x];
    }

    /// <summary>
    /// The buffers of 2D transforms of one size: the row pass's output, rented from the shared pool and returned by
    /// <see cref="Dispose"/>, and the strips'. The result of <see cref="Transform"/> is in <see cref="OutRe"/> (and
    /// <see cref="OutIm"/> unless only the real part is wanted), row by row, until the next transform.
    /// </summary>
    internal sealed class Workspace2D : IDisposable
    {
        public readonly int Rows, Cols;
        /// <summary>At least rows·cols long (rented).</summary>
        public readonly double[] OutRe;
        public readonly double[]? OutIm;
        public readonly double[] InterRe, InterIm;
        /// <summary>The rows the row pass wrote; the others are +0.</summary>
        public readonly bool[] DoneRow;
        public readonly Scratch RowScratch, ColumnScratch;

        public Workspace2D(int rows, int cols, bool realOnly)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
            Rows = rows; Cols = cols;
            var pool = ArrayPool<double>.Shared;
            OutRe = pool.Rent(rows * cols);
            OutIm = realOnly ? null : pool.Rent(rows * cols);
            InterRe = pool.Rent(rows * cols);
            InterIm = pool.Rent(rows * cols);
            DoneRow = new bool[rows];
            RowScratch = new Scratch(cols, Lanes);
            ColumnScratch = new Scratch(rows, Lanes);
        }

        public void Dispose()
        {
            var pool = ArrayPool<double>.Shared;
            pool.Return(OutRe);
            if (OutIm != null) pool.Return(OutIm);
            pool.Return(InterRe);
            pool.Return(InterIm);
        }
    }

    /// <summary>The 2D DFT of <paramref name="source"/> into the workspace's output: every row, then every column.</summary>
    internal static void Transform(SparseRows source, Workspace2D ws)
    {
        if (source.Rows != ws.Rows || source.Cols != ws.Cols) throw new ArgumentException("The source's size is not the workspace's.", nameof(source));
        RowPass(source, ws);
        ColumnPass(ws);
    }

    /// <summary>The DFT of every row that has a span, in strips of <see cref="Lanes"/> such rows, into the intermediate
    /// arrays. The other rows are +0 and left out; they read as +0 in the column pass (the DFT of +0 is +0 exactly:
    /// every product is ±0, added to an accumulator that starts at +0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowPass(SparseRows source, Workspace2D ws)
    {
        int rows = ws.Rows, cols = ws.Cols, w = Lanes;
        var plan = Plan.For(cols);
        var s = ws.RowScratch;
        int[] position = plan.Positions;
        Span<int> strip = stackalloc int[w];
        Array.Clear(ws.DoneRow);
        for (int x = 0; x < rows;)
        {
            int count = 0;
            for (; x < rows && count < w; x++)
                if (source.IsBusy(x)) strip[count++] = x;
            if (count == 0) break;
            Array.Clear(s.Re, 0, cols * w);
            Array.Clear(s.Im, 0, cols * w);
            for (int lane = 0; lane < count; lane++)
            {
                int row = strip[lane];
                for (int i = source.Start[row]; i < source.Start[row + 1]; i++)
                {
                    int lo = source.Lo[i], at = source.Offset[i] - lo;
                    for (int y = lo; y <= source.Hi[i]; y++)
                    {
                        int to = position[y] * w + lane;
                        s.Re[to] = source.Re[at + y];
                        s.Im[to] = source.Im[at + y];
                    }
                }
            }
            s.MarkZeros(cols);
            plan.Run(s, realOnly: false);
            ref double re0 = ref MemoryMarshal.GetArrayDataReference(s.Re);
            ref double im0 = ref MemoryMarshal.GetArrayDataReference(s.Im);
            for (int lane = 0; lane < count; lane++)
            {
                int row = strip[lane];
                ws.DoneRow[row] = true;
                var toRe = ws.InterRe.AsSpan(row * cols, cols);
                var toIm = ws.InterIm.AsSpan(row * cols, cols);
                for (int k = 0; k < toRe.Length; k++)
                {
                    toRe[k] = Unsafe.Add(ref re0, k * w + lane);
                    toIm[k] = Unsafe.Add(ref im0, k * w + lane);
                }
            }
        }
    }

    /// <summary>The DFT of every column of the intermediate arrays into the output, in strips of
    /// <see cref="Lanes"/> columns; the rows are read in order (each into its leaf's place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnPass(Workspace2D ws)
    {
        int rows = ws.Rows, cols = ws.Cols, w = Lanes;
        var plan = Plan.For(rows);
        var s = ws.ColumnScratch;
        int[] position = plan.Positions;
        bool realOnly = ws.OutIm == null;
        for (int c0 = 0; c0 < cols; c0 += w)
        {
            int count = Math.Min(w, cols - c0);
            for (int row = 0; row < rows; row++)
            {
                int e = position[row];
                var re = s.Re.AsSpan(e * w, w);
                var im = s.Im.AsSpan(e * w, w);
                if (!ws.DoneRow[row]) { re.Clear(); im.Clear(); continue; }
                int from = row * cols + c0;
                if (count == w)
                {
                    Copy(ws.InterRe, from, re);
                    Copy(ws.InterIm, from, im);
                }
                else
                {
                    ws.InterRe.AsSpan(from, count).CopyTo(re);
                    ws.InterIm.AsSpan(from, count).CopyTo(im);
                    re[count..].Clear();
                    im[count..].Clear();
                }
            }
            s.MarkZeros(rows);
            plan.Run(s, realOnly);
            for (int k = 0; k < rows; k++)
            {
                int to = k * cols + c0;
                if (count == w)
                {
                    Copy(s.Re, k * w, ws.OutRe.AsSpan(to, w));
                    if (!realOnly) Copy(s.Im, k * w, ws.OutIm.AsSpan(to, w));
                }
                else
                {
                    s.Re.AsSpan(k * w, count).CopyTo(ws.OutRe.AsSpan(to, count));
                    if (!realOnly) s.Im.AsSpan(k * w, count).CopyTo(ws.OutIm.AsSpan(to, count));
                }
            }
        }
    }

    /// <summary>Copies one strip element (<see cref="Lanes"/> doubles) with vector moves (a span copy of this length
    /// costs a call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(double[] from, int at, Span<double> to)
    {
        int vc = Vector<double>.Count;
        var src = from.AsSpan(at, 4 * vc);
        ref double s = ref MemoryMarshal.GetReference(src);
        ref double d = ref MemoryMarshal.GetReference(to[..(4 * vc)]);
        Vector.LoadUnsafe(ref s).StoreUnsafe(ref d);
        Vector.LoadUnsafe(ref s, (nuint)vc).StoreUnsafe(ref d, (nuint)vc);
        Vector.LoadUnsafe(ref s, (nuint)(2 * vc)).StoreUnsafe(ref d, (nuint)(2 * vc));
        Vector.LoadUnsafe(ref s, (nuint)(3 * vc)).StoreUnsafe(ref d, (nuint)(3 * vc));
    }

    /// <summary>Whether every value's bits are those of +0.</summary>
    private static bool IsPositiveZero(ReadOnlySpan<double> values)
    {
        var bits = MemoryMarshal.Cast<double, long>(values);
        int i = 0;
        for (; i + Vector<long>.Count <= bits.Length; i += Vector<long>.Count)
            if (!Vector.EqualsAll(new Vector<long>(bits[i..]), Vector<long>.Zero)) return false;
        for (; i < bits.Length; i++)
            if (bits[i] != 0) return false;
        return true;
    }

    /// <summary>Two ping-pong buffers of N elements × w lanes (element major), and which elements are ±0 in every lane.</summary>
    internal sealed class Scratch(int n, int w)
    {
        public readonly int W = w;
        public double[] Re = new double[n * w], Im = new double[n * w];
        public double[] OtherRe = new double[n * w], OtherIm = new double[n * w];
        public bool[] Zero = new bool[n], OtherZero = new bool[n];

        /// <summary>Marks the first <paramref name="count"/> elements that are ±0 (== 0) in every lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void MarkZeros(int count)
        {
            int vc = Vector<double>.Count;
            ref double re = ref MemoryMarshal.GetArrayDataReference(Re);
            ref double im = ref MemoryMarshal.GetArrayDataReference(Im);
            for (int e = 0; e < count; e++)
            {
                bool zero = true;
                for (int v = 0; v < W && zero; v += vc)
                    zero = Vector.EqualsAll(Vector.LoadUnsafe(ref re, (nuint)(e * W + v)), Vector<double>.Zero)
                        && Vector.EqualsAll(Vector.LoadUnsafe(ref im, (nuint)(e * W + v)), Vector<double>.Zero);
                Zero[e] = zero;
            }
        }

        public void Swap()
        {
            (Re, OtherRe) = (OtherRe, Re);
            (Im, OtherIm) = (OtherIm, Im);
            (Zero, OtherZero) = (OtherZero, Zero);
        }
    }

    /// <summary>How to transform one length: its factors, the order of its leaves, its roots of unity.</summary>
    private sealed class Plan
    {
        private static readonly ConcurrentDictionary<int, Plan> Known = new();

        /// <summary>The plan of a length, kept once built (four numbers per element).</summary>
        public static Plan For(int n) => Known.GetOrAdd(n, static n => new Plan(n));

        private readonly int _n;
        /// <summary>The prime factors, the first recursion level's (the smallest) first.</summary>
        private readonly int[] _factors;
        /// <summary>Leaves[e] = the input index that the recursion's e-th length-1 leaf holds.</summary>
        public readonly int[] Leaves;
        /// <summary>The inverse: Positions[i] = the leaf that holds input i.</summary>
        public readonly int[] Positions;
        /// <summary>e^{−2πi e/N} for e = 0..N−1.</summary>
        private readonly double[] _rootRe, _rootIm;

        private Plan(int n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            _n = n;
            var factors = new List<int>();
            for (int rest = n; rest > 1; rest /= factors[^1]) factors.Add(SmallestFactor(rest));
            _factors = [.. factors];
            Leaves = new int[n];
            PlaceLeaves(0, 0, 1, n, 0);
            Positions = new int[n];
            for (int e = 0; e < n; e++) Positions[Leaves[e]] = e;
            _rootRe = new double[n];
            _rootIm = new double[n];
            for (int e = 0; e < n; e++)
            {
                double a = -2.0 * Math.PI * e / n;
                _rootRe[e] = Math.Cos(a);
                _rootIm[e] = Math.Sin(a);
            }
        }

        /// <summary>The sequence x[start + step·i], i &lt; length, goes to Leaves[at..]: its p sub-sequences of
        /// stride p (the recursion's decimation in time) one after the other.</summary>
        private void PlaceLeaves(int at, int start, int step, int length, int depth)
        {
            if (length == 1) { Leaves[at] = start; return; }
            int p = _factors[depth], m = length / p;
            for (int r = 0; r < p; r++) PlaceLeaves(at + r * m, start + r * step, step * p, m, depth + 1);
        }

        /// <summary>Transforms the strip in <paramref name="s"/> (its leaves in <see cref="Leaves"/> order, its
        /// zero flags marked) into s.Re/s.Im, element k at [k·w, k·w + w).</summary>
        public void Run(Scratch s, bool realOnly)
        {
            int length = 1;
            for (int depth = _factors.Length - 1; depth >= 0; depth--)
            {
                int p = _factors[depth];
                length *= p;
                if (p == 2) CombinePairs(s, length, realOnly && depth == 0);
                else Combine(s, p, length, realOnly && depth == 0);
                s.Swap();
            }
        }

        /// <summary>
        /// <see cref="Combine"/> for p = 2, written out: y[k0] = 0 + s0·w⁰ + s1·w^k0 and y[k0 + m] = 0 + s0·w⁰ +
        /// s1·w^(k0 + m), the inputs loaded once for both and the product s0·w⁰ computed once (the same operations on
        /// the same values: the same bits). Most levels of the bank's sizes are of this kind.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void CombinePairs(Scratch s, int length, bool realOnly)
        {
            int m = length / 2, stride = _n / length, w = s.W, vc = Vector<double>.Count;
            bool[] inZero = s.Zero, outZero = s.OtherZero;
            ref double inRe = ref MemoryMarshal.GetArrayDataReference(s.Re);
            ref double inIm = ref MemoryMarshal.GetArrayDataReference(s.Im);
            ref double outRe = ref MemoryMarshal.GetArrayDataReference(s.OtherRe);
            ref double outIm = ref MemoryMarshal.GetArrayDataReference(s.OtherIm);
            var w0r = new Vector<double>(_rootRe[0]);
            var w0i = new Vector<double>(_rootIm[0]);
            for (int block = 0; block < _n; block += length)
                for (int k0 = 0; k0 < m; k0++)
                {
                    int u = block + k0, v = u + m;
                    bool uZero = inZero[u], vZero = inZero[v];
                    outZero[u] = outZero[v] = uZero && vZero;
                    var war = new Vector<double>(_rootRe[k0 * stride]);
                    var wai = new Vector<double>(_rootIm[k0 * stride]);
                    var wbr = new Vector<double>(_rootRe[(k0 + m) * stride]);
                    var wbi = new Vector<double>(_rootIm[(k0 + m) * stride]);
                    for (int lane = 0; lane < w; lane += vc)
                    {
                        Vector<double> ar = Vector<double>.Zero, ai = ar, br = ar, bi = ar;
                        if (!uZero)
                        {
                            var xr = Vector.LoadUnsafe(ref inRe, (nuint)(u * w + lane));
                            var xi = Vector.LoadUnsafe(ref inIm, (nuint)(u * w + lane));
                            var pr = xr * w0r - xi * w0i;
                            ar += pr;
                            br += pr;
                            if (!realOnly)
                            {
                                var pi = xi * w0r + xr * w0i;
                                ai += pi;
                                bi += pi;
                            }
                        }
                        if (!vZero)
                        {
                            var yr = Vector.LoadUnsafe(ref inRe, (nuint)(v * w + lane));
                            var yi = Vector.LoadUnsafe(ref inIm, (nuint)(v * w + lane));
                            ar += yr * war - yi * wai;
                            br += yr * wbr - yi * wbi;
                            if (!realOnly)
                            {
                                ai += yi * war + yr * wai;
                                bi += yi * wbr + yr * wbi;
                            }
                        }
                        ar.StoreUnsafe(ref outRe, (nuint)(u * w + lane));
                        br.StoreUnsafe(ref outRe, (nuint)(v * w + lane));
                        if (realOnly) continue;
                        ai.StoreUnsafe(ref outIm, (nuint)(u * w + lane));
                        bi.StoreUnsafe(ref outIm, (nuint)(v * w + lane));
                    }
                }
        }

        /// <summary>One recursion level: every block of <paramref name="length"/> elements from its p sub-transforms
        /// of length m = length / p, y[k] = Σ_r sub_r[k mod m] · w^(r·k mod length), the root w^e being
        /// e^{−2πi e/length} = roots[e · N / length].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Combine(Scratch s, int p, int length, bool realOnly)
        {
            int m = length / p, stride = _n / length, w = s.W;
            nuint vc = (nuint)Vector<double>.Count;
            bool[] inZero = s.Zero, outZero = s.OtherZero;
            ref double rootRe = ref MemoryMarshal.GetArrayDataReference(_rootRe);
            ref double rootIm = ref MemoryMarshal.GetArrayDataReference(_rootIm);
            ref double inRe = ref MemoryMarshal.GetArrayDataReference(s.Re);
            ref double inIm = ref MemoryMarshal.GetArrayDataReference(s.Im);
            ref double outRe = ref MemoryMarshal.GetArrayDataReference(s.OtherRe);
            ref double outIm = ref MemoryMarshal.GetArrayDataReference(s.OtherIm);
            for (int block = 0; block < _n; block += length)
                for (int k0 = 0; k0 < m; k0++)
                {
                    bool allZero = true;
                    for (int r = 0; r < p && allZero; r++) allZero = inZero[block + r * m + k0];
                    for (int k = k0; k < length; k += m)
                    {
                        outZero[block + k] = allZero;
                        Vector<double> r0 = Vector<double>.Zero, r1 = r0, r2 = r0, r3 = r0;
                        Vector<double> i0 = r0, i1 = r0, i2 = r0, i3 = r0;
                        if (!allZero)
                        {
                            int e = 0; // r·k mod length
                            for (int r = 0; r < p; r++, e = e + k >= length ? e + k - length : e + k)
                            {
                                int at = block + r * m + k0;
                                if (inZero[at]) continue; // ±0 products leave the sums as they are
                                var wr = new Vector<double>(Unsafe.Add(ref rootRe, e * stride));
                                var wi = new Vector<double>(Unsafe.Add(ref rootIm, e * stride));
                                ref double a = ref Unsafe.Add(ref inRe, at * w);
                                ref double b = ref Unsafe.Add(ref inIm, at * w);
                                // (a + bi)(wr + wi·i) = (a·wr − b·wi) + (b·wr + a·wi)i, as System.Numerics.Complex;
                                // one vector of lanes at a time, to keep the registers few.
                                var a0 = Vector.LoadUnsafe(ref a);
                                var b0 = Vector.LoadUnsafe(ref b);
                                r0 += a0 * wr - b0 * wi;
                                if (!realOnly) i0 += b0 * wr + a0 * wi;
                                var a1 = Vector.LoadUnsafe(ref a, vc);
                                var b1 = Vector.LoadUnsafe(ref b, vc);
                                r1 += a1 * wr - b1 * wi;
                                if (!realOnly) i1 += b1 * wr + a1 * wi;
                                var a2 = Vector.LoadUnsafe(ref a, 2 * vc);
                                var b2 = Vector.LoadUnsafe(ref b, 2 * vc);
                                r2 += a2 * wr - b2 * wi;
                                if (!realOnly) i2 += b2 * wr + a2 * wi;
                                var a3 = Vector.LoadUnsafe(ref a, 3 * vc);
                                var b3 = Vector.LoadUnsafe(ref b, 3 * vc);
                                r3 += a3 * wr - b3 * wi;
                                if (!realOnly) i3 += b3 * wr + a3 * wi;
                            }
                        }
                        // An output of only ±0 products is the accumulator's +0.
                        ref double or = ref Unsafe.Add(ref outRe, (block + k) * w);
                        r0.StoreUnsafe(ref or);
                        r1.StoreUnsafe(ref or, vc);
                        r2.StoreUnsafe(ref or, 2 * vc);
                        r3.StoreUnsafe(ref or, 3 * vc);
                        if (realOnly) continue;
                        ref double oi = ref Unsafe.Add(ref outIm, (block + k) * w);
                        i0.StoreUnsafe(ref oi);
                        i1.StoreUnsafe(ref oi, vc);
                        i2.StoreUnsafe(ref oi, 2 * vc);
                        i3.StoreUnsafe(ref oi, 3 * vc);
                    }
                }
        }
    }

    internal static int SmallestFactor(int n)
    {
        if (n % 2 == 0) return 2;
        for (int f = 3; (long)f * f <= n; f += 2)
            if (n % f == 0) return f;
        return n;
    }
}
