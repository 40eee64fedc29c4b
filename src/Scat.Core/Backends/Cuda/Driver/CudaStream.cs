using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Cuda;

namespace Scat.Backends.Cuda.Driver;

/// <summary>A non-blocking stream; every copy and launch on it is asynchronous and explicit.</summary>
internal sealed unsafe class CudaStream : IGpuStream
{
    private nint _handle;

    public CudaStream()
    {
        Check(cuStreamCreate(out var s, CU_STREAM_NON_BLOCKING));
        _handle = s.Handle;
    }

    public CUstream Handle => new(_handle);

    public void CopyToDevice(ulong dst, nint src, long bytes) =>
        Check(cuMemcpyHtoDAsync_v2(new CUdeviceptr(dst), (void*)src, (nuint)bytes, Handle));

    public void CopyToHost(nint dst, ulong src, long bytes) =>
        Check(cuMemcpyDtoHAsync_v2((void*)dst, new CUdeviceptr(src), (nuint)bytes, Handle));

    public void Memset(ulong dst, byte value, long bytes) =>
        Check(cuMemsetD8Async(new CUdeviceptr(dst), value, (nuint)bytes, Handle));

    public void Launch(IGpuKernel kernel, Dim3 grid, Dim3 block, void** args) =>
        ((CudaKernel)kernel).Launch(grid, block, this, args);

    public void Record(IGpuEvent ev) => Check(cuEventRecord(((CudaEvent)ev).Handle, Handle));

    public void Wait(IGpuEvent ev) => Check(cuStreamWaitEvent(Handle, ((CudaEvent)ev).Handle, 0));

    public void Synchronize() => Check(cuStreamSynchronize(Handle));

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) cuStreamDestroy_v2(new CUstream(h));
    }
}

/// <summary>An event to order streams and to time them.</summary>
internal sealed class CudaEvent : IGpuEvent
{
    private nint _handle;

    public CudaEvent(bool timing = false)
    {
        Check(cuEventCreate(out var e, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING));
        _handle = e.Handle;
    }

    public CUevent Handle => new(_handle);

    public void Record(CudaStream stream) => Check(cuEventRecord(Handle, stream.Handle));

    public void Synchronize() => Check(cuEventSynchronize(Handle));

    /// <summary>Milliseconds between <paramref name="start"/> and this event (both created with timing).</summary>
    public float ElapsedSince(CudaEvent start)
    {
        Check(cuEventElapsedTime(out float ms, start.Handle, Handle));
        return ms;
    }

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) cuEventDestroy_v2(new CUevent(h));
    }
}
