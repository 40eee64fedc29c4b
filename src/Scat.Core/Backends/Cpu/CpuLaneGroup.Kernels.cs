using System.Runtime.CompilerServices;

namespace Scat.Backends.Cpu;

// The lane group's SIMD steps with their arguments, for Simd.Run to call at the chosen vector width.
internal sealed partial class CpuLaneGroup
{
    private readonly struct MulPeriodizeKernel(int lanes, LaneArray srcRe, LaneArray srcIm, bool half, LaneArray f, LaneArray dstRe, LaneArray dstIm,
        int h, int w, int oh, int ow, int columns, int k, bool laneFilter) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV>
        {
            if (laneFilter) MulPeriodize<TV, PerLaneFilter>(lanes, srcRe, srcIm, half, f, dstRe, dstIm, h, w, oh, ow, columns, k);
            else MulPeriodize<TV, OneFilter>(lanes, srcRe, srcIm, half, f, dstRe, dstIm, h, w, oh, ow, columns, k);
        }
    }

    /// <summary>How MulPeriodize reads a filter value for lanes [b, b + TV.Count) of an element: a type argument, so that
    /// the JIT compiles each way apart and the plain path keeps no per-element test.</summary>
    private interface IFilterValues
    {
        static abstract bool PerLane { get; }
        static abstract TV At<TV>(ref float f, int element, int lanes, int b) where TV : unmanaged, IVec<TV>;
    }

    /// <summary>One value per element, the same for every lane.</summary>
    private readonly struct OneFilter : IFilterValues
    {
        public static bool PerLane => false;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV At<TV>(ref float f, int element, int lanes, int b) where TV : unmanaged, IVec<TV> => TV.Splat(Unsafe.Add(ref f, element));
    }

    /// <summary>A value per lane (orientation lanes): the filter laid out like a spectrum.</summary>
    private readonly struct PerLaneFilter : IFilterValues
    {
        public static bool PerLane => true;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV At<TV>(ref float f, int element, int lanes, int b) where TV : unmanaged, IVec<TV> => TV.Load(ref Unsafe.Add(ref f, element * lanes + b));
    }

    private readonly struct ModulusKernel(LaneArray re, LaneArray im, LaneArray dstRe, LaneArray dstIm, int h, int row, float scale, bool guarded) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV>
        {
            if (guarded) Modulus<TV, Guarded>(re, im, dstRe, dstIm, h, row, scale);
            else Modulus<TV, Plain>(re, im, dstRe, dstIm, h, row, scale);
        }
    }

    /// <summary>Whether the modulus watches for results that overflowed (a type argument: the plain path, every
    /// ordinary run, has not one instruction more than the bare formula).</summary>
    private interface IOverflowGuard
    {
        static abstract bool On { get; }
    }

    private readonly struct Plain : IOverflowGuard
    {
        public static bool On => false;
    }

    private readonly struct Guarded : IOverflowGuard
    {
        public static bool On => true;
    }

    private readonly struct PackRowPairsKernel(int lanes, LaneArray re, LaneArray im, LaneArray packRe, LaneArray packIm, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => PackRowPairs<TV>(lanes, re, im, packRe, packIm, h, w);
    }

    private readonly struct UnpackKernel(int lanes, LaneArray re, LaneArray im, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => Unpack<TV>(lanes, re, im, h, w);
    }
}
