namespace Scat.Backends.Cpu;

// The lane group's SIMD steps with their arguments, for Simd.Run to call at the chosen vector width.
internal sealed partial class CpuLaneGroup
{
    private readonly struct MulPeriodizeKernel(float[] srcRe, float[] srcIm, bool half, float[] f, float[] dstRe, float[] dstIm,
        int h, int w, int oh, int ow, int columns, int k) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> =>
            MulPeriodize<TV>(srcRe, srcIm, half, f, dstRe, dstIm, h, w, oh, ow, columns, k);
    }

    private readonly struct ModulusKernel(float[] re, float[] im, float[] dstRe, float[] dstIm, int h, int row, float scale) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => Modulus<TV>(re, im, dstRe, dstIm, h, row, scale);
    }

    private readonly struct PackRowPairsKernel(float[] re, float[] im, float[] packRe, float[] packIm, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => PackRowPairs<TV>(re, im, packRe, packIm, h, w);
    }

    private readonly struct UnpackKernel(float[] re, float[] im, int h, int w) : ISimdKernel
    {
        public void Run<TV>() where TV : unmanaged, IVec<TV> => Unpack<TV>(re, im, h, w);
    }
}
