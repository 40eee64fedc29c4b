using System.Runtime.InteropServices;

namespace Scat.Backends.Cuda.Interop;

/// <summary>The CUDA driver API (libcuda), the calls scat uses, C names kept verbatim.</summary>
internal static unsafe partial class Cuda
{
    public const string Library = "cuda";

    public const uint CU_STREAM_NON_BLOCKING = 1;
    public const uint CU_EVENT_DEFAULT = 0;
    public const uint CU_EVENT_DISABLE_TIMING = 2;

    [LibraryImport(Library)] public static partial CUresult cuInit(uint flags);
    [LibraryImport(Library)] public static partial CUresult cuDriverGetVersion(out int driverVersion);
    [LibraryImport(Library)] public static partial CUresult cuDeviceGetCount(out int count);
    [LibraryImport(Library)] public static partial CUresult cuDeviceGet(out CUdevice device, int ordinal);
    [LibraryImport(Library)] public static partial CUresult cuDeviceGetName(byte* name, int len, CUdevice dev);
    [LibraryImport(Library)] public static partial CUresult cuDeviceGetAttribute(out int value, CUdevice_attribute attrib, CUdevice dev);
    [LibraryImport(Library)] public static partial CUresult cuDevicePrimaryCtxRetain(out CUcontext ctx, CUdevice dev);
    [LibraryImport(Library)] public static partial CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev);
    [LibraryImport(Library)] public static partial CUresult cuCtxSetCurrent(CUcontext ctx);
    [LibraryImport(Library)] public static partial CUresult cuMemGetInfo_v2(out nuint free, out nuint total);
    [LibraryImport(Library)] public static partial CUresult cuMemAlloc_v2(out CUdeviceptr dptr, nuint bytesize);
    [LibraryImport(Library)] public static partial CUresult cuMemFree_v2(CUdeviceptr dptr);
    [LibraryImport(Library)] public static partial CUresult cuMemAllocHost_v2(out nint pp, nuint bytesize);
    [LibraryImport(Library)] public static partial CUresult cuMemFreeHost(nint p);
    [LibraryImport(Library)] public static partial CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, void* srcHost, nuint byteCount, CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuMemcpyDtoHAsync_v2(void* dstHost, CUdeviceptr srcDevice, nuint byteCount, CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuMemsetD8Async(CUdeviceptr dstDevice, byte value, nuint n, CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuModuleLoadData(out CUmodule module, void* image);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CUresult cuModuleGetFunction(out CUfunction function, CUmodule module, string name);
    [LibraryImport(Library)] public static partial CUresult cuModuleUnload(CUmodule module);
    [LibraryImport(Library)]
    public static partial CUresult cuLaunchKernel(CUfunction f, uint gridDimX, uint gridDimY, uint gridDimZ,
        uint blockDimX, uint blockDimY, uint blockDimZ, uint sharedMemBytes, CUstream stream, void** kernelParams, void** extra);
    [LibraryImport(Library)] public static partial CUresult cuStreamCreate(out CUstream stream, uint flags);
    [LibraryImport(Library)] public static partial CUresult cuStreamDestroy_v2(CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuStreamSynchronize(CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuStreamWaitEvent(CUstream stream, CUevent ev, uint flags);
    [LibraryImport(Library)] public static partial CUresult cuEventCreate(out CUevent ev, uint flags);
    [LibraryImport(Library)] public static partial CUresult cuEventRecord(CUevent ev, CUstream stream);
    [LibraryImport(Library)] public static partial CUresult cuEventSynchronize(CUevent ev);
    [LibraryImport(Library)] public static partial CUresult cuEventElapsedTime(out float milliseconds, CUevent start, CUevent end);
    [LibraryImport(Library)] public static partial CUresult cuEventDestroy_v2(CUevent ev);
    [LibraryImport(Library)] public static partial CUresult cuGetErrorName(CUresult error, out byte* name);
    [LibraryImport(Library)] public static partial CUresult cuGetErrorString(CUresult error, out byte* text);

    public static string ErrorName(CUresult result)
    {
        try
        {
            if (cuGetErrorName(result, out byte* p) == CUresult.CUDA_SUCCESS && p != null) return Marshal.PtrToStringUTF8((nint)p) ?? result.ToString();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return Enum.IsDefined(result) ? result.ToString() : $"CUresult {(int)result}";
    }

    public static string ErrorText(CUresult result)
    {
        try
        {
            if (cuGetErrorString(result, out byte* p) == CUresult.CUDA_SUCCESS && p != null) return Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return "";
    }
}
