using Scat.Backends.Cuda.Interop;

namespace Scat.Backends.Cuda.Driver;

/// <summary>Turns the status codes of the raw bindings into <see cref="GpuException"/>s naming the call.</summary>
internal static class GpuCheck
{
    /// <summary>Throws <see cref="CudaException"/> naming the call and the error when <paramref name="result"/> is not success.</summary>
    public static void Check(CUresult result, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CUresult.CUDA_SUCCESS) Throw(result, call);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(CUresult result, string call) => throw new CudaException(result, Interop.Cuda.ErrorName(result), Interop.Cuda.ErrorText(result), call);

    public static void Check(nvrtcResult result, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != nvrtcResult.NVRTC_SUCCESS) throw new NvrtcException(result, Nvrtc.ErrorText(result), call, log: null);
    }

    public static void Check(cufftResult result, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != cufftResult.CUFFT_SUCCESS) throw new CufftException(result, call);
    }
}
