using Scat.Backends.Cuda.Interop;

namespace Scat.Backends.Cuda.Driver;

/// <summary>The real device: a primary context, kernels compiled by NVRTC (cached), cuFFT plans.</summary>
internal sealed class CudaDevice : IGpuDevice
{
    private readonly CudaContext _context;
    private readonly Dictionary<string, CudaModule> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CudaKernel> _kernels = new(StringComparer.Ordinal);
    private int _disposed;

    public CudaDevice(int ordinal)
    {
        _context = new CudaContext(ordinal);
        Description = $"cuda:{ordinal} ({_context.Name}, sm_{_context.ComputeMajor}{_context.ComputeMinor})";
    }

    public string Description { get; }
    public CudaContext Context => _context;

    public void Bind() => _context.SetCurrent();

    public (long Free, long Total) MemoryInfo() => _context.MemoryInfo();

    public IDeviceMemory Allocate(long bytes) => new DeviceBuffer<byte>(bytes);

    public IHostMemory AllocateHost(long bytes) => new PinnedBuffer<byte>(bytes);

    public IGpuStream CreateStream() => new CudaStream();

    public IGpuEvent CreateEvent() => new CudaEvent();

    public IGpuKernel GetKernel(string file, string name)
    {
        lock (_modules)
        {
            var key = file + "/" + name;
            if (_kernels.TryGetValue(key, out var k)) return k;
            if (!_modules.TryGetValue(file, out var module))
            {
                var image = KernelCache.Get(file, _context.ComputeMajor, _context.ComputeMinor, out _);
                module = new CudaModule(image);
                _modules[file] = module;
            }
            k = module.GetKernel(name);
            _kernels[key] = k;
            return k;
        }
    }

    public IGpuFft CreateFft(FftKind kind, int height, int width, int batch) => new FftPlan(kind, height, width, batch);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _context.SetCurrent(); } catch (GpuException) { }
        foreach (var m in _modules.Values) m.Dispose();
        _modules.Clear();
        _context.Dispose();
    }
}
