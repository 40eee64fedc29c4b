using Scat.Backends.Cuda.Interop;

namespace Scat.Backends.Cuda.Driver;

/// <summary>A failed call of the GPU stack. <see cref="OutOfMemory"/> tells callers that a smaller batch may succeed.</summary>
public class GpuException(string message, bool outOfMemory = false) : Exception(message)
{
    public bool OutOfMemory { get; } = outOfMemory;
}

/// <summary>A CUDA driver call failed.</summary>
public sealed class CudaException : GpuException
{
    internal CudaException(CUresult result, string name, string text, string call)
        : base($"{call} failed: {name}{(text.Length > 0 ? " (" + text + ")" : "")}", result == CUresult.CUDA_ERROR_OUT_OF_MEMORY)
    {
        Code = (int)result;
        ErrorName = name;
        Call = call;
    }

    public int Code { get; }
    public string ErrorName { get; }
    public string Call { get; }
}

/// <summary>An NVRTC call failed; a failed compilation carries the compiler's log.</summary>
public sealed class NvrtcException : GpuException
{
    internal NvrtcException(nvrtcResult result, string text, string call, string? log)
        : base($"{call} failed: {result}{(text.Length > 0 ? " (" + text + ")" : "")}{(string.IsNullOrWhiteSpace(log) ? "" : "\n" + log.TrimEnd())}",
            result == nvrtcResult.NVRTC_ERROR_OUT_OF_MEMORY)
    {
        ErrorName = result.ToString();
        Call = call;
        Log = log;
    }

    public string ErrorName { get; }
    public string Call { get; }
    public string? Log { get; }
}

/// <summary>A cuFFT call failed.</summary>
public sealed class CufftException : GpuException
{
    internal CufftException(cufftResult result, string call)
        : base($"{call} failed: {result}", result == cufftResult.CUFFT_ALLOC_FAILED)
    {
        ErrorName = result.ToString();
        Call = call;
    }

    public string ErrorName { get; }
    public string Call { get; }
}
