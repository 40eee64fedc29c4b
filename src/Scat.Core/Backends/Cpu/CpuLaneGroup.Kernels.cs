namespace Scat.Backends.Cpu;

// The lane group's SIMD steps with their arguments, for Simd.Run to call at the chosen vector width.
internal sealed partial class CpuLaneGroup
{
    private readonly struct MulPeriodizeKernel(int lanes, float[] srcRe, float[] srcIm, bool half, float[] f, float[] dstRe, float[] dstIm,
        int h, int w, int oh, int ow, int columns, int k, bool laneFilter) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> =>
            MulPeriodize<TV>(lanes, srcRe, srcIm, half, f, dstRe, dstIm, h, w, oh, ow, columns, k, laneFilter);
    }

    private readonly struct ModulusKernel(float[] re, float[] im, float[] dstRe, float[] dstIm, int h, int row, float scale) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => Modulus<TV>(re, im, dstRe, dstIm, h, row, scale);
    }

    private readonly struct PackRowPairsKernel(int lanes, float[] re, float[] im, float[] packRe, float[] packIm, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => PackRowPairs<TV>(lanes, re, im, packRe, packIm, h, w);
    }

    private readonly struct UnpackKernel(int lanes, float[] re, float[] im, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => Unpack<TV>(lanes, re, im, h, w);
    }
}
