using Scat.Backends.Cuda.Interop;

namespace Scat.Backends.Cuda.Driver;

/// <summary>
/// Checks, in order, that a CUDA driver, the requested device, NVRTC and cuFFT are usable, without creating a
/// context. Each library is probed with NativeLibrary.TryLoad before any of its functions is called.
/// </summary>
internal static class CudaProbe
{
    /// <summary>What is missing for device <paramref name="ordinal"/>, as a phrase for the user, or null when all is there.</summary>
    public static string? Problem(int ordinal) => Problem(ordinal, out _);

    public static string? Problem(int ordinal, out string? deviceName)
    {
        deviceName = null;
        if (!CudaLibraries.TryLoad(Interop.Cuda.Library, out _, out var d)) return $"no CUDA driver ({d})";
        try
        {
            var r = Interop.Cuda.cuInit(0);
            if (r == CUresult.CUDA_ERROR_NO_DEVICE) return "no CUDA device (the driver found none)";
            if (r != CUresult.CUDA_SUCCESS) return $"the CUDA driver failed to initialise (cuInit: {Interop.Cuda.ErrorName(r)})";
            GpuCheck.Check(Interop.Cuda.cuDeviceGetCount(out int count));
            if (count == 0) return "no CUDA device (the driver found none)";
            if (ordinal >= count) return $"no CUDA device {ordinal} (the driver found {count}: cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")})";
            GpuCheck.Check(Interop.Cuda.cuDeviceGet(out var dev, ordinal));
            deviceName = CudaContext.DeviceName(dev);
        }
        catch (EntryPointNotFoundException e) { return $"the CUDA driver is too old ({e.Message})"; }
        catch (GpuException e) { return $"the CUDA driver failed: {e.Message}"; }
        if (!NvrtcCompiler.IsAvailable(out d)) return $"NVRTC, the CUDA runtime compiler, not found ({d})";
        try { NvrtcCompiler.Version(); }
        catch (Exception e) when (e is EntryPointNotFoundException or GpuException) { return $"NVRTC is unusable ({e.Message})"; }
        if (!CudaLibraries.TryLoad(Cufft.Library, out _, out d)) return $"cuFFT not found ({d})";
        try { GpuCheck.Check(Cufft.cufftGetVersion(out _)); }
        catch (Exception e) when (e is EntryPointNotFoundException or GpuException) { return $"cuFFT is unusable ({e.Message})"; }
        return null;
    }
}
