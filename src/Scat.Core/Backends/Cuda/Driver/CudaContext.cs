using System.Runtime.InteropServices;
using System.Text;
using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Cuda;

namespace Scat.Backends.Cuda.Driver;

/// <summary>The primary context of one device, retained while this object lives.</summary>
internal sealed unsafe class CudaContext : IDisposable
{
    private int _disposed;

    public CUdevice Device { get; }
    public CUcontext Handle { get; }
    public int Ordinal { get; }
    public string Name { get; }
    public int ComputeMajor { get; }
    public int ComputeMinor { get; }

    public CudaContext(int ordinal)
    {
        CudaLibraries.EnsureRegistered();
        Check(cuInit(0));
        Check(cuDeviceGet(out var device, ordinal));
        Device = device;
        Ordinal = ordinal;
        Name = DeviceName(device);
        Check(cuDeviceGetAttribute(out int major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device));
        Check(cuDeviceGetAttribute(out int minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device));
        ComputeMajor = major;
        ComputeMinor = minor;
        Check(cuDevicePrimaryCtxRetain(out var ctx, device));
        Handle = ctx;
        SetCurrent();
    }

    public static string DeviceName(CUdevice device)
    {
        byte* name = stackalloc byte[256];
        Check(cuDeviceGetName(name, 256, device));
        return Marshal.PtrToStringUTF8((nint)name) ?? "";
    }

    public void SetCurrent() => Check(cuCtxSetCurrent(Handle));

    public (long Free, long Total) MemoryInfo()
    {
        Check(cuMemGetInfo_v2(out nuint free, out nuint total));
        return ((long)free, (long)total);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        cuDevicePrimaryCtxRelease_v2(Device);
    }
}
