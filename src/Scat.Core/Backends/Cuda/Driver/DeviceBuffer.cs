using System.Runtime.CompilerServices;
using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Cuda;

namespace Scat.Backends.Cuda.Driver;

/// <summary>Device memory for <see cref="Length"/> elements of <typeparamref name="T"/>.</summary>
internal sealed unsafe class DeviceBuffer<T> : IDeviceMemory where T : unmanaged
{
    private ulong _address;

    public DeviceBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
        Check(cuMemAlloc_v2(out var p, (nuint)(length * sizeof(T))));
        _address = p.Value;
    }

    public long Length { get; }
    public long Bytes => Length * sizeof(T);
    public CUdeviceptr Pointer => new(_address);
    public ulong Address => _address;

    /// <summary>Asynchronous upload on <paramref name="stream"/>; the source must stay valid until the stream reaches it.</summary>
    public void CopyFromAsync(ReadOnlySpan<T> source, CudaStream stream, long offset = 0)
    {
        if (offset + source.Length > Length) throw new ArgumentOutOfRangeException(nameof(source));
        fixed (T* p = source)
            Check(cuMemcpyHtoDAsync_v2(Pointer.Offset(offset * sizeof(T)), p, (nuint)(source.Length * sizeof(T)), stream.Handle));
    }

    /// <summary>Synchronous upload from pageable memory.</summary>
    public void CopyFrom(ReadOnlySpan<T> source, long offset = 0)
    {
        if (offset + source.Length > Length) throw new ArgumentOutOfRangeException(nameof(source));
        fixed (T* p = source)
        {
            Check(cuMemcpyHtoDAsync_v2(Pointer.Offset(offset * sizeof(T)), p, (nuint)(source.Length * sizeof(T)), CUstream.Default));
            Check(cuStreamSynchronize(CUstream.Default));
        }
    }

    /// <summary>Synchronous download into pageable memory.</summary>
    public void CopyTo(Span<T> destination, long offset = 0)
    {
        if (offset + destination.Length > Length) throw new ArgumentOutOfRangeException(nameof(destination));
        fixed (T* p = destination)
        {
            Check(cuMemcpyDtoHAsync_v2(p, Pointer.Offset(offset * sizeof(T)), (nuint)(destination.Length * sizeof(T)), CUstream.Default));
            Check(cuStreamSynchronize(CUstream.Default));
        }
    }

    public void Dispose()
    {
        ulong p = Interlocked.Exchange(ref _address, 0);
        if (p != 0) cuMemFree_v2(new CUdeviceptr(p));
    }
}

/// <summary>Page-locked host memory for <see cref="Length"/> elements, so that copies can be asynchronous.</summary>
internal sealed unsafe class PinnedBuffer<T> : IHostMemory where T : unmanaged
{
    private nint _address;

    public PinnedBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
        Check(cuMemAllocHost_v2(out _address, (nuint)(length * sizeof(T))));
    }

    public long Length { get; }
    public long Bytes => Length * sizeof(T);
    public nint Address => _address;

    public Span<T> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_address == 0, this);
            return new Span<T>((void*)_address, checked((int)Length));
        }
    }

    public void Dispose()
    {
        nint p = Interlocked.Exchange(ref _address, 0);
        if (p != 0) cuMemFreeHost(p);
    }
}
