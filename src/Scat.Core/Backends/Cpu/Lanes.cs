using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    public static string Name => Width switch
    {
        512 => "AVX-512",
        256 => "AVX2",
        128 => "SSE/NEON 128-bit",
        _ => "scalar",
    };
}
