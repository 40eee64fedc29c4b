namespace Scat.Backends.Cuda.Driver;

/// <summary>Launch dimensions (CUDA's dim3).</summary>
internal readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

/// <summary>The three transform types the pipeline uses, with cuFFT's semantics (unnormalised, contiguous batches).</summary>
internal enum FftKind
{
    /// <summary>h × w real → h × (w/2 + 1) complex, forward.</summary>
    R2C,
    /// <summary>h × (w/2 + 1) complex → h × w real, inverse (may overwrite its input, as cuFFT's does).</summary>
    C2R,
    /// <summary>h × w complex → h × w complex, either direction.</summary>
    C2C,
}

/// <summary>
/// What the GPU pipeline needs of a device: memory, asynchronous copies, streams and events, kernels and batched
/// FFT plans. Two implementations: <see cref="CudaDevice"/> (driver API, NVRTC, cuFFT) and the tests' emulated
/// device (the same kernel sources compiled for the host, a host FFT with cuFFT's semantics, deferred streams).
/// Addresses are plain device addresses; every operation on a stream is asynchronous.
/// </summary>
internal interface IGpuDevice : IDisposable
{
    string Description { get; }
    /// <summary>Makes the device current on the calling thread (the driver's contexts are per thread).</summary>
    void Bind();
    (long Free, long Total) MemoryInfo();
    /// <summary>Device memory; throws a <see cref="Interop.GpuException"/> with OutOfMemory set when there is not enough.</summary>
    IDeviceMemory Allocate(long bytes);
    /// <summary>Page-locked host memory for asynchronous copies.</summary>
    IHostMemory AllocateHost(long bytes);
    IGpuStream CreateStream();
    IGpuEvent CreateEvent();
    /// <summary>The kernel <paramref name="name"/> of the kernel source file <paramref name="file"/> (e.g. "pad.cu").</summary>
    IGpuKernel GetKernel(string file, string name);
    /// <summary>A batched 2D plan: <paramref name="batch"/> contiguous transforms of height × width.</summary>
    IGpuFft CreateFft(FftKind kind, int height, int width, int batch);
}

internal interface IDeviceMemory : IDisposable
{
    ulong Address { get; }
    long Bytes { get; }
}

internal interface IHostMemory : IDisposable
{
    nint Address { get; }
    long Bytes { get; }
}

internal interface IGpuStream : IDisposable
{
    void CopyToDevice(ulong dst, nint src, long bytes);
    void CopyToHost(nint dst, ulong src, long bytes);
    void Memset(ulong dst, byte value, long bytes);
    /// <summary>Launches with cuLaunchKernel's convention: <paramref name="args"/>[i] points at the i-th argument's value.</summary>
    unsafe void Launch(IGpuKernel kernel, Dim3 grid, Dim3 block, void** args);
    void Record(IGpuEvent ev);
    void Wait(IGpuEvent ev);
    void Synchronize();
}

internal interface IGpuEvent : IDisposable
{
    void Synchronize();
}

internal interface IGpuKernel
{
    string Name { get; }
}

internal interface IGpuFft : IDisposable
{
    FftKind Kind { get; }
    /// <summary>Runs the plan on <paramref name="stream"/>; <paramref name="inverse"/> matters for C2C only.</summary>
    void Execute(IGpuStream stream, ulong input, ulong output, bool inverse);
}
