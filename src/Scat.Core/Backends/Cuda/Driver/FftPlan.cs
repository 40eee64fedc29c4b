using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Cufft;

namespace Scat.Backends.Cuda.Driver;

/// <summary>A batched 2D cuFFT plan (cufftMakePlanMany, contiguous layout) of one kind and size.</summary>
internal sealed unsafe class FftPlan : IGpuFft
{
    private int _handle;
    private int _alive;
    private nint _boundStream = -1;

    public FftPlan(FftKind kind, int height, int width, int batch)
    {
        Kind = kind;
        Check(cufftCreate(out var plan));
        _handle = plan.Value;
        _alive = 1;
        try
        {
            int* n = stackalloc int[] { height, width };
            var type = kind switch { FftKind.R2C => cufftType.CUFFT_R2C, FftKind.C2R => cufftType.CUFFT_C2R, _ => cufftType.CUFFT_C2C };
            // Null embeds: the default, contiguous layout (idist and odist are then ignored).
            Check(cufftMakePlanMany(Handle, 2, n, null, 1, 0, null, 1, 0, type, batch, out nuint work));
            WorkspaceBytes = (long)work;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public FftKind Kind { get; }
    public long WorkspaceBytes { get; }
    public cufftHandle Handle => new(_handle);

    public void Execute(IGpuStream stream, ulong input, ulong output, bool inverse)
    {
        var s = ((CudaStream)stream).Handle;
        if (_boundStream != s.Handle)
        {
            Check(cufftSetStream(Handle, s));
            _boundStream = s.Handle;
        }
        CUdeviceptr i = new(input), o = new(output);
        switch (Kind)
        {
            case FftKind.R2C: Check(cufftExecR2C(Handle, i, o)); break;
            case FftKind.C2R: Check(cufftExecC2R(Handle, i, o)); break;
            default: Check(cufftExecC2C(Handle, i, o, inverse ? CUFFT_INVERSE : CUFFT_FORWARD)); break;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _alive, 0) != 0) cufftDestroy(Handle);
    }
}
