using System.Runtime.InteropServices;
using Scat.Backends.Cuda.Driver;
using Scat.Backends.Cuda.Interop;

namespace Scat.Tests.Backends.Cuda.Emulator;

/// <summary>
/// A device that runs on the host, for tests: the kernels of kernels/*.cu compiled by g++ (<see cref="EmulatorBuild"/>),
/// <see cref="HostFft"/> in place of cuFFT, device memory from the native heap (optionally limited, to provoke
/// out-of-memory), and streams that defer their work: nothing runs when it is queued, only when the host waits on
/// an event or a stream; then ready operations of the streams run one at a time in a seeded random interleaving
/// that respects each stream's order and its event waits. Missing synchronisation therefore shows up as wrong
/// results or as a reported deadlock, not as luck.
/// </summary>
internal sealed unsafe class EmulatedDevice : IGpuDevice
{
    private readonly Random _random;
    private readonly List<EmuStream> _streams = [];
    private readonly Dictionary<ulong, long> _allocations = new();
    private long _allocated;

    public EmulatedDevice(int seed = 1, long memoryLimit = long.MaxValue, long reportedFree = 1L << 34)
    {
        _random = new Random(seed);
        MemoryLimit = memoryLimit;
        ReportedFree = reportedFree;
    }

    public long MemoryLimit { get; set; }
    public long ReportedFree { get; set; }
    public int Launches { get; private set; }
    public int FftExecutions { get; private set; }
    public int OutOfMemoryErrors { get; private set; }
    public HashSet<int> FftBatches { get; } = [];
    public long PeakAllocated { get; private set; }
    public int LiveAllocations => _allocations.Count;

    public string Description => "emulated device (host)";

    public void Bind() { }

    public (long Free, long Total) MemoryInfo() => (ReportedFree, ReportedFree);

    public IDeviceMemory Allocate(long bytes)
    {
        if (_allocated + bytes > MemoryLimit)
        {
            OutOfMemoryErrors++;
            throw new GpuException($"cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (emulated, {bytes} bytes)", outOfMemory: true);
        }
        var m = new EmuMemory(this, bytes);
        _allocations[m.Address] = bytes;
        _allocated += bytes;
        PeakAllocated = Math.Max(PeakAllocated, _allocated);
        return m;
    }

    public IHostMemory AllocateHost(long bytes) => new EmuHostMemory(bytes);

    public IGpuStream CreateStream()
    {
        var s = new EmuStream(this);
        _streams.Add(s);
        return s;
    }

    public IGpuEvent CreateEvent() => new EmuEvent(this);

    public IGpuKernel GetKernel(string file, string name) =>
        EmulatorBuild.Kernels.TryGetValue(file + "/" + name, out var k)
            ? new EmuKernel(k)
            : throw new GpuException($"cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND ({file}/{name})");

    public IGpuFft CreateFft(FftKind kind, int height, int width, int batch)
    {
        // A plan's workspace counts against the memory like cuFFT's auto-allocated one.
        long work = (long)height * width * 8 * batch;
        if (_allocated + work > MemoryLimit)
        {
            OutOfMemoryErrors++;
            throw new GpuException("cufftMakePlanMany failed: CUFFT_ALLOC_FAILED (emulated)", outOfMemory: true);
        }
        FftBatches.Add(batch);
        return new EmuFft(this, kind, height, width, batch, work);
    }

    public void Dispose()
    {
        foreach (var s in _streams) s.Dispose();
    }

    /// <summary>Runs ready operations until <paramref name="done"/> holds; a state where nothing can run is a deadlock.</summary>
    private void Progress(Func<bool> done)
    {
        while (!done())
        {
            var ready = _streams.Where(s => s.HeadReady).ToList();
            if (ready.Count == 0) throw new InvalidOperationException("emulated device: deadlock, no stream can make progress");
            ready[_random.Next(ready.Count)].RunHead();
        }
    }

    /// <summary>Throws unless [address, address + bytes) lies inside one live allocation.</summary>
    private void CheckRange(ulong address, long bytes, string what)
    {
        foreach (var (start, size) in _allocations)
            if (address >= start && address + (ulong)bytes <= start + (ulong)size) return;
        throw new InvalidOperationException($"emulated device: {what} touches [{address:x}, +{bytes}) outside every allocation");
    }

    private sealed class EmuMemory : IDeviceMemory
    {
        private readonly EmulatedDevice _device;
        private ulong _address;

        public EmuMemory(EmulatedDevice device, long bytes)
        {
            _device = device;
            Bytes = bytes;
            // Garbage, like cuMemAlloc: NaN patterns make reads of unwritten memory visible.
            _address = (ulong)NativeMemory.AlignedAlloc((nuint)bytes, 256);
            new Span<byte>((void*)_address, checked((int)bytes)).Fill(0xFF);
        }

        public ulong Address => _address;
        public long Bytes { get; }

        public void Dispose()
        {
            ulong a = Interlocked.Exchange(ref _address, 0);
            if (a == 0) return;
            _device._allocations.Remove(a);
            _device._allocated -= Bytes;
            NativeMemory.AlignedFree((void*)a);
        }
    }

    private sealed class EmuHostMemory(long bytes) : IHostMemory
    {
        private nint _address = (nint)NativeMemory.AllocZeroed((nuint)bytes);
        public nint Address => _address;
        public long Bytes { get; } = bytes;

        public void Dispose()
        {
            nint a = Interlocked.Exchange(ref _address, 0);
            if (a != 0) NativeMemory.Free((void*)a);
        }
    }

    private sealed class EmuKernel(EmulatorBuild.KernelInfo info) : IGpuKernel
    {
        public EmulatorBuild.KernelInfo Info { get; } = info;
        public string Name => Info.Name;
    }

    private sealed class EmuEvent(EmulatedDevice device) : IGpuEvent
    {
        public int Recorded, Completed;

        public void Synchronize()
        {
            int target = Recorded;
            device.Progress(() => Completed >= target);
        }

        public void Dispose() { }
    }

    private sealed class EmuFft(EmulatedDevice device, FftKind kind, int h, int w, int batch, long work) : IGpuFft
    {
        public FftKind Kind => kind;

        public void Execute(IGpuStream stream, ulong input, ulong output, bool inverse)
        {
            long half = (long)h * (w / 2 + 1) * 8 * batch, real = (long)h * w * 4 * batch, full = (long)h * w * 8 * batch;
            var (inBytes, outBytes) = kind switch { FftKind.R2C => (real, half), FftKind.C2R => (half, real), _ => (full, full) };
            ((EmuStream)stream).Enqueue(() =>
            {
                device.CheckRange(input, inBytes, $"{kind} {h}x{w}x{batch} input");
                device.CheckRange(output, outBytes, $"{kind} {h}x{w}x{batch} output");
                device.FftExecutions++;
                HostFft.Execute(kind, h, w, batch, (nint)input, (nint)output, inverse);
            });
        }

        public void Dispose() { _ = work; }
    }

    private sealed class EmuStream(EmulatedDevice device) : IGpuStream
    {
        private readonly Queue<(Func<bool> Ready, Action Run)> _queue = new();

        public bool HeadReady => _queue.Count > 0 && _queue.Peek().Ready();

        public void RunHead() => _queue.Dequeue().Run();

        public void Enqueue(Action run, Func<bool>? ready = null) => _queue.Enqueue((ready ?? (() => true), run));

        public void CopyToDevice(ulong dst, nint src, long bytes) => Enqueue(() =>
        {
            device.CheckRange(dst, bytes, "upload");
            Buffer.MemoryCopy((void*)src, (void*)dst, bytes, bytes);
        });

        public void CopyToHost(nint dst, ulong src, long bytes) => Enqueue(() =>
        {
            device.CheckRange(src, bytes, "download");
            Buffer.MemoryCopy((void*)src, (void*)dst, bytes, bytes);
        });

        public void Memset(ulong dst, byte value, long bytes) => Enqueue(() =>
        {
            device.CheckRange(dst, bytes, "memset");
            new Span<byte>((void*)dst, checked((int)bytes)).Fill(value);
        });

        public void Launch(IGpuKernel kernel, Dim3 grid, Dim3 block, void** args)
        {
            var info = ((EmuKernel)kernel).Info;
            // Like cuLaunchKernel, the argument values are copied when the launch is queued.
            var values = new byte[info.ArgSizes.Length][];
            for (int i = 0; i < values.Length; i++) values[i] = new ReadOnlySpan<byte>(args[i], info.ArgSizes[i]).ToArray();
            Enqueue(() =>
            {
                device.Launches++;
                var handles = values.Select(v => GCHandle.Alloc(v, GCHandleType.Pinned)).ToArray();
                try
                {
                    void** a = stackalloc void*[Math.Max(1, values.Length)];
                    for (int i = 0; i < values.Length; i++) a[i] = (void*)handles[i].AddrOfPinnedObject();
                    uint* g = stackalloc uint[] { grid.X, grid.Y, grid.Z };
                    uint* b = stackalloc uint[] { block.X, block.Y, block.Z };
                    ((delegate* unmanaged<uint*, uint*, void**, void>)info.Launch)(g, b, a);
                }
                finally
                {
                    foreach (var h in handles) h.Free();
                }
            });
        }

        public void Record(IGpuEvent ev)
        {
            var e = (EmuEvent)ev;
            int ticket = ++e.Recorded;
            Enqueue(() => e.Completed = Math.Max(e.Completed, ticket));
        }

        public void Wait(IGpuEvent ev)
        {
            var e = (EmuEvent)ev;
            int ticket = e.Recorded; // cuStreamWaitEvent waits for the most recent record at the time of the call
            Enqueue(() => { }, () => e.Completed >= ticket);
        }

        public void Synchronize() => device.Progress(() => _queue.Count == 0);

        public void Dispose() { }
    }
}
