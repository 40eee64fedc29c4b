using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>
/// A SIMD register of floats, abstracted so that the FFT and pointwise kernels are written once and
/// specialised by the JIT for 512-, 256- and 128-bit vectors (chosen at run time: <see cref="Simd"/>).
/// Only lane-wise, correctly rounded operations are used — add, subtract, multiply, square root and fused
/// multiply-add (in hardware where there is FMA, else .NET's correctly rounded software fallback) — so every
/// width, and the scalar path, gives bit-identical results.
/// </summary>
internal interface IVec<TSelf> where TSelf : struct, IVec<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(ref float source);
    static abstract void Store(TSelf value, ref float destination);
    static abstract TSelf Splat(float value);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract TSelf Sub(TSelf a, TSelf b);
    static abstract TSelf Mul(TSelf a, TSelf b);
    static abstract TSelf Sqrt(TSelf a);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf MulAdd(TSelf a, TSelf b, TSelf c);
}

internal readonly struct V512 : IVec<V512>
{
    private readonly Vector512<float> _v;
    private V512(Vector512<float> v) => _v = v;
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(ref float s) => new(Vector512.LoadUnsafe(ref s));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V512 x, ref float d) => x._v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Splat(float x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Add(V512 a, V512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Sub(V512 a, V512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Mul(V512 a, V512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Sqrt(V512 a) => new(Vector512.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 MulAdd(V512 a, V512 b, V512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
}

internal readonly struct V256 : IVec<V256>
{
    private readonly Vector256<float> _v;
    private V256(Vector256<float> v) => _v = v;
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(ref float s) => new(Vector256.LoadUnsafe(ref s));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V256 x, ref float d) => x._v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Splat(float x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Add(V256 a, V256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Sub(V256 a, V256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Mul(V256 a, V256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Sqrt(V256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 MulAdd(V256 a, V256 b, V256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
}

internal readonly struct V128 : IVec<V128>
{
    private readonly Vector128<float> _v;
    private V128(Vector128<float> v) => _v = v;
    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Load(ref float s) => new(Vector128.LoadUnsafe(ref s));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V128 x, ref float d) => x._v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Splat(float x) => new(Vector128.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Add(V128 a, V128 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Sub(V128 a, V128 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Mul(V128 a, V128 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Sqrt(V128 a) => new(Vector128.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 MulAdd(V128 a, V128 b, V128 c) => new(Vector128.FusedMultiplyAdd(a._v, b._v, c._v));
}

/// <summary>Code generic over the vector type, with its arguments: <see cref="Simd.Run"/> picks the type.</summary>
internal interface ISimdKernel
{
    void Run<TV>() where TV : unmanaged, IVec<TV>;
}

/// <summary>The SIMD width chosen for this process.</summary>
internal static class Simd
{
    /// <summary>
    /// Signals processed side by side: every FFT butterfly works on this many independent transforms. One full
    /// vector with AVX-512, else 8 (measured on a 2-core AVX2 machine: 8 lanes a little faster than 16, the
    /// working set of a group being half as large). A plane's result does not depend on it.
    /// </summary>
    public static readonly int Lanes = Vector512.IsHardwareAccelerated ? 16 : 8;

    public static readonly int Width =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>
    /// Runs <paramref name="kernel"/> with the vectors of the given width (512, 256 or 128 bits; a width this
    /// machine accelerates): the one place where a width becomes a vector type. The kernel is a struct, so the
    /// JIT compiles each width's code apart, as if it were called directly.
    /// </summary>
    public static void Run<TKernel>(int width, TKernel kernel) where TKernel : ISimdKernel, allows ref struct
    {
        switch (width)
        {
            case 512: kernel.Run<V512>(); break;
            case 256: kernel.Run<V256>(); break;
            default: kernel.Run<V128>(); break;
        }
    }

    public static string Name => NameOf(Width);

    /// <summary>The instruction set of a vector width, as <see cref="Name"/> says it.</summary>
    public static string NameOf(int width) => width switch
    {
        512 => "AVX-512",
        256 => "AVX2",
        128 => "SSE/NEON 128-bit",
        _ => "scalar",
    };

    /// <summary>Floats in one vector of the given width (four for the scalar path, which runs the 128-bit code).</summary>
    public static int FloatsOf(int width) => Math.Max(width, 128) / 32;
}

/// <summary>
/// How many planes a CPU lane group lays side by side, and the vector width that works on them (one vector per
/// element, or two for 8 lanes on 128-bit vectors). Chosen per layout at run time: a group's spectra hold
/// Hp·Wp·Lanes complex values each, and once they outgrow the cache the FFT passes wait on memory, so large planes
/// go in narrower groups. A plane's coefficients do not depend on the plan.
/// </summary>
internal readonly record struct LanePlan(int Lanes, int Width)
{
    /// <summary>Bytes of a group's working set in the order-2 loop (see <see cref="WorkingSetPerLane"/>) up to
    /// which a group of 16 planes is kept: 16 MiB, half the shared L3 of the 2-core AVX-512 machine measured (see
    /// docs/benchmarks.md, issue 20: 8 lanes of 256 bits were as fast as 16 of 512 at 256², faster at 512²; 4 lanes
    /// of 128 bits twice as slow everywhere, so no plan goes below 8 lanes).</summary>
    internal const long WideGroupBytes = 16L << 20;

    /// <summary>Bytes of a group's order-2 working set above which 8 lanes of 256 bits beat 16 of 512 where every FFT of
    /// the layout runs on unrolled butterflies (radices 2, 4, 8 and the codelet primes), measured on a 2-core AVX-512
    /// machine (docs/benchmarks.md, issue 20, 2026-12-04; RGB, J = 2): 8 lanes 10–20 % faster at 264² (8·3·11, 7.3 MB
    /// for 16 lanes) and 11 % at 392² (8·7·7), the same at 200² (8·5·5, 4.2 MB). Where a large prime takes the
    /// table-driven butterfly, 16 lanes were as fast or faster up to <see cref="WideGroupBytes"/>: 7–24 % at 328²
    /// (8·41), 0–29 % at 232² (8·29).</summary>
    internal const long UnrolledWideGroupBytes = 4L << 20;

    /// <summary>The plan with the widest vectors of this machine (<see cref="Simd.Lanes"/> planes).</summary>
    public static LanePlan Widest => new(Simd.Lanes, Simd.Lanes == 16 ? 512 : Simd.Width);

    /// <summary>
    /// The plan for a layout: the widest lanes while a group's order-2 working set stays within
    /// <see cref="WideGroupBytes"/> (<see cref="UnrolledWideGroupBytes"/> where every FFT length of the layout runs on
    /// unrolled butterflies), else 8 lanes of 256 bits where the widest are 16 of 512.
    /// <c>SCAT_CPU_LANES</c> (16, 8 or 4; for benchmarks) forces a lane count this machine runs.
    /// </summary>
    public static LanePlan For(ScatteringLayout layout)
    {
        if (Forced() is { } forced) return forced;
        var widest = Widest;
        if (widest.Lanes != 16) return widest;
        long set = WorkingSetPerLane(layout) * 16;
        if (set > WideGroupBytes || (set > UnrolledWideGroupBytes && Unrolled(layout))) return new(8, 256);
        return widest;
    }

    /// <summary>Whether every FFT length of the layout (each side at every resolution) factors into radices with an
    /// unrolled butterfly.</summary>
    internal static bool Unrolled(ScatteringLayout layout)
    {
        for (int r = 0; r <= layout.J; r++)
            if (!LaneFft.IsUnrolled(layout.PaddedHeight >> r) || !LaneFft.IsUnrolled(layout.PaddedWidth >> r)) return false;
        return true;
    }

    /// <summary>Bytes per lane of the order-2 loop's spectra: W1, the band and a third spectrum at resolution 1 and
    /// W2 at resolution 2 (split complex float32). The third was the FFT scratch, a whole spectrum until the scratch became
    /// compact (e2aade1); the thresholds above were measured with it, so the measure is kept as it was (it chooses the
    /// plan only, never the bits; 16 lanes were still slower at 264² after the change, docs/benchmarks.md).</summary>
    internal static long WorkingSetPerLane(ScatteringLayout layout)
    {
        long half = (long)(layout.PaddedHeight / 2) * (layout.PaddedWidth / 2);
        return (3 * half + half / 4) * 2 * sizeof(float);
    }

    /// <summary>A lane count this machine can run: 16 needs AVX-512, 8 AVX2 (or AVX-512), 4 any vectors.</summary>
    public static LanePlan? Of(int lanes) => lanes switch
    {
        16 when Simd.Width >= 512 => new(16, 512),
        8 when Simd.Width >= 256 => new(8, 256),
        4 when Simd.Width >= 128 => new(4, 128),
        _ => null,
    };

    private static LanePlan? Forced() =>
        int.TryParse(Environment.GetEnvironmentVariable("SCAT_CPU_LANES"), out int lanes) ? Of(lanes) : null;
}
