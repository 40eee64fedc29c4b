using System.Runtime.InteropServices;
using Scat.Backends.Cuda.Driver;
using Scat.Backends.Cuda.Interop;
using Scat.Transform;

namespace Scat.Backends.Cuda;

/// <summary>
/// The GPU engine: planes go through the device in sub-batches of up to <c>maxBatch</c> planes (lowered to fit the
/// device's free memory, halved on an out-of-memory error). Three streams overlap the work: the upload of
/// sub-batch k+1 (from page-locked memory), the cascade of k, and the download of k−1, ordered by events.
/// The cascade is <see cref="ScatteringCascade.Run"/> over <see cref="GpuOps"/>.
/// </summary>
public sealed class CudaEngine : IScatteringEngine, IDeviceTiming
{
    /// <summary>Planes per sub-batch when the caller does not say (--batch-size).</summary>
    public const int DefaultBatchSize = 256;
    private const int MaxGridY = 65535;

    private readonly IGpuDevice _device;
    private readonly bool _ownsDevice;
    private readonly FilterBank _bank;
    private readonly int _maxBatch;
    private ScatKernels? _kernels;
    private GpuFilters? _filters;
    private Pipeline? _pipeline;
    private int _disposed;

    public ScatteringLayout Layout { get; }
    public string Description => $"{_device.Description}, sub-batches of up to {_maxBatch} planes";

    /// <summary>Planes per sub-batch of the last <see cref="Transform"/> (after memory limits and retries).</summary>
    public int LastSubBatch { get; private set; }

    /// <summary>Opens CUDA device <paramref name="ordinal"/>.</summary>
    public static CudaEngine Open(int ordinal, ScatteringLayout layout, int maxBatch = 0) =>
        new(new CudaDevice(ordinal), layout, maxBatch, ownsDevice: true);

    internal CudaEngine(IGpuDevice device, ScatteringLayout layout, int maxBatch = 0, bool ownsDevice = false)
    {
        _device = device;
        _ownsDevice = ownsDevice;
        Layout = layout;
        _maxBatch = Math.Clamp(maxBatch > 0 ? maxBatch : DefaultBatchSize, 1, MaxGridY);
        _bank = FilterBank.For(layout);
    }

    public void Transform(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        EngineArguments.Check(Layout, planes, planeCount, output);
        if (planeCount == 0) return;
        _device.Bind();

        int want = Math.Min(_maxBatch, planeCount);
        var (free, _) = _device.MemoryInfo();
        long fits = (long)(free * 0.8) / GpuOps.BytesPerPlane(Layout);
        want = (int)Math.Max(1, Math.Min(want, fits));
        while (true)
        {
            try
            {
                if (_pipeline is null || _pipeline.Capacity < want)
                {
                    _pipeline?.Dispose();
                    _pipeline = null;
                    _pipeline = CreatePipeline(want);
                }
                _pipeline.Run(planes, planeCount, output, cancellationToken);
                LastSubBatch = Math.Min(_pipeline.Capacity, planeCount);
                return;
            }
            catch (GpuException e) when (e.OutOfMemory && want > 1)
            {
                // Let whatever was queued finish (or fail) before the buffers go, then retry with half.
                int tried = Math.Min(want, _pipeline?.Capacity ?? want);
                _pipeline?.Quiesce();
                _pipeline?.Dispose();
                _pipeline = null;
                want = tried / 2;
            }
        }
    }

    /// <summary>
    /// One cascade over all <paramref name="planeCount"/> planes already on the device (uploaded before the clock
    /// starts), synchronised: the figure comparable to Kymatio's timing on a GPU.
    /// </summary>
    public double TimeOnDevice(ReadOnlySpan<float> planes, int planeCount)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _device.Bind();
        if (_pipeline is null || _pipeline.Capacity < planeCount)
        {
            _pipeline?.Dispose();
            _pipeline = null;
            _pipeline = CreatePipeline(planeCount);
        }
        return _pipeline.TimeResident(planes, planeCount);
    }

    private Pipeline CreatePipeline(int capacity)
    {
        _kernels ??= new ScatKernels(_device);
        var p = new Pipeline(this, capacity);
        return p;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _device.Bind(); } catch (GpuException) { }
        _pipeline?.Quiesce();
        _pipeline?.Dispose();
        _filters?.Dispose();
        if (_ownsDevice) _device.Dispose();
    }

    /// <summary>Everything sized for one sub-batch capacity: the ops, two of each I/O buffer, three streams, events.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly CudaEngine _engine;
        private readonly List<IDisposable> _owned = [];
        private readonly IGpuStream _upload, _compute, _download;
        private readonly IDeviceMemory[] _deviceIn = new IDeviceMemory[2], _deviceOut = new IDeviceMemory[2];
        private readonly IHostMemory[] _hostIn = new IHostMemory[2], _hostOut = new IHostMemory[2];
        private readonly IGpuEvent[] _uploaded = new IGpuEvent[2], _computed = new IGpuEvent[2], _downloaded = new IGpuEvent[2];
        private readonly GpuOps _ops;

        public int Capacity { get; }

        public Pipeline(CudaEngine engine, int capacity)
        {
            _engine = engine;
            Capacity = capacity;
            var device = engine._device;
            var layout = engine.Layout;
            try
            {
                _upload = Own(device.CreateStream());
                _compute = Own(device.CreateStream());
                _download = Own(device.CreateStream());
                engine._filters ??= new GpuFilters(device, engine._bank, _compute);
                long inBytes = (long)capacity * layout.Height * layout.Width * sizeof(float);
                long outBytes = (long)capacity * layout.OutputPerPlane * sizeof(float);
                for (int i = 0; i < 2; i++)
                {
                    _deviceIn[i] = Own(device.Allocate(inBytes));
                    _deviceOut[i] = Own(device.Allocate(outBytes));
                    _compute.Memset(_deviceIn[i].Address, 0, inBytes);
                    _hostIn[i] = Own(device.AllocateHost(inBytes));
                    _hostOut[i] = Own(device.AllocateHost(outBytes));
                    _uploaded[i] = Own(device.CreateEvent());
                    _computed[i] = Own(device.CreateEvent());
                    _downloaded[i] = Own(device.CreateEvent());
                }
                _ops = Own(new GpuOps(device, layout, engine._bank, engine._filters, engine._kernels!, _compute, capacity));
                _compute.Synchronize();
            }
            catch
            {
                Quiesce(); // queued memsets must not outlive the buffers they touch
                Dispose();
                throw;
            }
        }

        private T Own<T>(T d) where T : IDisposable
        {
            _owned.Add(d);
            return d;
        }

        public unsafe void Run(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken ct)
        {
            var layout = _engine.Layout;
            int planeSize = layout.Height * layout.Width, outPer = layout.OutputPerPlane;
            int batches = (planeCount + Capacity - 1) / Capacity;
            for (int k = 0; k < batches; k++)
            {
                ct.ThrowIfCancellationRequested();
                int slot = k & 1;
                if (k >= 2)
                {
                    // Sub-batch k−2 used these buffers: its download must be complete before they are reused.
                    _downloaded[slot].Synchronize();
                    Deliver(k - 2, planeCount, output);
                    _uploaded[slot].Synchronize();
                }
                int first = k * Capacity, count = Math.Min(Capacity, planeCount - first);
                var staging = new Span<float>((void*)_hostIn[slot].Address, count * planeSize);
                planes.Slice(first * planeSize, count * planeSize).CopyTo(staging);

                if (k >= 2) _upload.Wait(_computed[slot]); // the cascade of k−2 has finished reading deviceIn[slot]
                _upload.CopyToDevice(_deviceIn[slot].Address, _hostIn[slot].Address, (long)count * planeSize * sizeof(float));
                _upload.Record(_uploaded[slot]);

                _compute.Wait(_uploaded[slot]);
                if (k >= 2) _compute.Wait(_downloaded[slot]); // deviceOut[slot] has been read back
                _ops.Run(count, _deviceIn[slot].Address, _deviceOut[slot].Address);
                _compute.Record(_computed[slot]);

                _download.Wait(_computed[slot]);
                _download.CopyToHost(_hostOut[slot].Address, _deviceOut[slot].Address, (long)count * outPer * sizeof(float));
                _download.Record(_downloaded[slot]);
            }
            for (int k = Math.Max(0, batches - 2); k < batches; k++)
            {
                _downloaded[k & 1].Synchronize();
                Deliver(k, planeCount, output);
            }
        }

        private unsafe void Deliver(int k, int planeCount, Span<float> output)
        {
            int outPer = _engine.Layout.OutputPerPlane;
            int first = k * Capacity, count = Math.Min(Capacity, planeCount - first);
            new ReadOnlySpan<float>((void*)_hostOut[k & 1].Address, count * outPer).CopyTo(output.Slice(first * outPer, count * outPer));
        }

        public unsafe double TimeResident(ReadOnlySpan<float> planes, int planeCount)
        {
            var layout = _engine.Layout;
            long bytes = (long)planeCount * layout.Height * layout.Width * sizeof(float);
            planes[..(planeCount * layout.Height * layout.Width)].CopyTo(new Span<float>((void*)_hostIn[0].Address, planeCount * layout.Height * layout.Width));
            _compute.CopyToDevice(_deviceIn[0].Address, _hostIn[0].Address, bytes);
            _compute.Synchronize();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _ops.Run(planeCount, _deviceIn[0].Address, _deviceOut[0].Address);
            _compute.Synchronize();
            return clock.Elapsed.TotalSeconds;
        }

        /// <summary>Waits for every stream, ignoring their errors (used before tearing down after a failure).</summary>
        public void Quiesce()
        {
            foreach (var s in new[] { _upload, _compute, _download })
            {
                try { s?.Synchronize(); }
                catch (GpuException) { }
            }
        }

        public void Dispose()
        {
            for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
            _owned.Clear();
        }
    }
}
