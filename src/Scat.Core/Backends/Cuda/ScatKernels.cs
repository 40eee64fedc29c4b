using Scat.Backends.Cuda.Driver;

namespace Scat.Backends.Cuda;

/// <summary>
/// Typed launches of the kernels in kernels/*.cu: arguments packed with stackalloc in the order of the kernel's
/// parameters, grids of (elements / block, planes). One method per kernel; every launch names its stream.
/// </summary>
internal sealed unsafe class ScatKernels
{
    /// <summary>Threads per block; SCAT_BLOCK in scat_common.cuh.</summary>
    public const int BlockSize = 256;

    private readonly IGpuKernel _pad, _mulPeriodize, _modulus, _cropStore;

    public ScatKernels(IGpuDevice device)
    {
        _pad = device.GetKernel("pad.cu", "scat_pad");
        _mulPeriodize = device.GetKernel("periodize.cu", "scat_mul_periodize");
        _modulus = device.GetKernel("modulus.cu", "scat_modulus");
        _cropStore = device.GetKernel("crop_store.cu", "scat_crop_store");
    }

    private static Dim3 Grid(int elements, int planes) => new((uint)((elements + BlockSize - 1) / BlockSize), (uint)planes);
    private static readonly Dim3 Block = new(BlockSize);

    public void Pad(IGpuStream stream, int planes, ulong input, ulong output, int ih, int iw, int h, int w, int top, int left, int mode)
    {
        void** args = stackalloc void*[9];
        args[0] = &input; args[1] = &output; args[2] = &ih; args[3] = &iw;
        args[4] = &h; args[5] = &w; args[6] = &top; args[7] = &left; args[8] = &mode;
        stream.Launch(_pad, Grid(h * w, planes), Block, args);
    }

    public void MulPeriodize(IGpuStream stream, int planes, ulong src, ulong filter, ulong dst, int h, int w, int k, int dstCols, float scale)
    {
        void** args = stackalloc void*[8];
        args[0] = &src; args[1] = &filter; args[2] = &dst; args[3] = &h; args[4] = &w;
        args[5] = &k; args[6] = &dstCols; args[7] = &scale;
        stream.Launch(_mulPeriodize, Grid(h / k * dstCols, planes), Block, args);
    }

    public void Modulus(IGpuStream stream, int planes, ulong input, ulong output, int n, float scale)
    {
        void** args = stackalloc void*[4];
        args[0] = &input; args[1] = &output; args[2] = &n; args[3] = &scale;
        stream.Launch(_modulus, Grid(n, planes), Block, args);
    }

    public void CropStore(IGpuStream stream, int planes, ulong input, ulong output, int h, int w, int channels, int channel, float scale)
    {
        void** args = stackalloc void*[7];
        args[0] = &input; args[1] = &output; args[2] = &h; args[3] = &w;
        args[4] = &channels; args[5] = &channel; args[6] = &scale;
        stream.Launch(_cropStore, Grid((h - 2) * (w - 2), planes), Block, args);
    }
}
