using Scat.Backends.Cuda.Interop;

namespace Scat.Backends.Cuda.Driver;

/// <summary>The real device: a primary context, kernels compiled by NVRTC (cached), cuFFT plans.</summary>
internal sealed class CudaDevice : IGpuDevice
{
    private readonly CudaContext context;
    private readonly Dictionary<string, CudaModule> modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CudaKernel> kernels = new(StringComparer.Ordinal);
    private int disposed;

    public CudaDevice(int ordinal)
    {
        context = new CudaContext(ordinal);
        Description = $"cuda:{ordinal} ({context.Name}, sm_{context.ComputeMajor}{context.ComputeMinor})";
    }

    public string Description { get; }
    public CudaContext Context => context;

    public void Bind() => context.SetCurrent();

    public (long Free, long Total) MemoryInfo() => context.MemoryInfo();

    public IDeviceMemory Allocate(long bytes) => new DeviceBuffer<byte>(bytes);

    public IHostMemory AllocateHost(long bytes) => new PinnedBuffer<byte>(bytes);

    public IGpuStream CreateStream() => new CudaStream();

    public IGpuEvent CreateEvent() => new CudaEvent();

    public IGpuKernel GetKernel(string file, string name)
    {
        lock (modules)
        {
            var key = file + "/" + name;
            if (kernels.TryGetValue(key, out var k)) return k;
            if (!modules.TryGetValue(file, out var module))
            {
                var image = KernelCache.Get(file, context.ComputeMajor, context.ComputeMinor, out _);
                module = new CudaModule(image);
                modules[file] = module;
            }
            k = module.GetKernel(name);
            kernels[key] = k;
            return k;
        }
    }

    public IGpuFft CreateFft(FftKind kind, int height, int width, int batch) => new FftPlan(kind, height, width, batch);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        try { context.SetCurrent(); } catch (GpuException) { }
        foreach (var m in modules.Values) m.Dispose();
        modules.Clear();
        context.Dispose();
    }
}
