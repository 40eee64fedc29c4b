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

    private readonly IGpuDevice device;
    private readonly bool ownsDevice;
    private readonly FilterBank bank;
    private readonly int maxBatch;
    private ScatKernels? kernels;
    private GpuFilters? filters;
    private Pipeline? pipeline;
    private int disposed;

    public ScatteringLayout Layout { get; }
    public string Description => $"{device.Description}, sub-batches of up to {maxBatch} planes";

    /// <summary>Planes per sub-batch of the last <see cref="Transform"/> (after memory limits and retries).</summary>
    public int LastSubBatch { get; private set; }

    /// <summary>Opens CUDA device <paramref name="ordinal"/>.</summary>
    public static CudaEngine Open(int ordinal, ScatteringLayout layout, int maxBatch = 0) =>
        new(new CudaDevice(ordinal), layout, maxBatch, ownsDevice: true);

    internal CudaEngine(IGpuDevice device, ScatteringLayout layout, int maxBatch = 0, bool ownsDevice = false)
    {
        this.device = device;
        this.ownsDevice = ownsDevice;
        Layout = layout;
        this.maxBatch = Math.Clamp(maxBatch > 0 ? maxBatch : DefaultBatchSize, 1, MaxGridY);
        bank = FilterBank.For(layout);
    }

    public void Transform(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        EngineArguments.Check(Layout, planes, planeCount, output);
        if (planeCount == 0) return;
        device.Bind();

        int want = Math.Min(maxBatch, planeCount);
        var (free, _) = device.MemoryInfo();
        long fits = (long)(free * 0.8) / GpuOps.BytesPerPlane(Layout);
        want = (int)Math.Max(1, Math.Min(want, fits));
        while (true)
        {
            try
            {
                if (pipeline is null || pipeline.Capacity < want)
                {
                    pipeline?.Dispose();
                    pipeline = null;
                    pipeline = CreatePipeline(want);
                }
                pipeline.Run(planes, planeCount, output, cancellationToken);
                LastSubBatch = Math.Min(pipeline.Capacity, planeCount);
                return;
            }
            catch (GpuException e) when (e.OutOfMemory && want > 1)
            {
                // Let whatever was queued finish (or fail) before the buffers go, then retry with half.
                int tried = Math.Min(want, pipeline?.Capacity ?? want);
                pipeline?.Quiesce();
                pipeline?.Dispose();
                pipeline = null;
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
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        device.Bind();
        if (pipeline is null || pipeline.Capacity < planeCount)
        {
            pipeline?.Dispose();
            pipeline = null;
            pipeline = CreatePipeline(planeCount);
        }
        return pipeline.TimeResident(planes, planeCount);
    }

    private Pipeline CreatePipeline(int capacity)
    {
        kernels ??= new ScatKernels(device);
        var p = new Pipeline(this, capacity);
        return p;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        try { device.Bind(); } catch (GpuException) { }
        pipeline?.Quiesce();
        pipeline?.Dispose();
        filters?.Dispose();
        if (ownsDevice) device.Dispose();
    }

    /// <summary>Everything sized for one sub-batch capacity: the ops, two of each I/O buffer, three streams, events.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly CudaEngine engine;
        private readonly List<IDisposable> owned = [];
        private readonly IGpuStream upload, compute, download;
        private readonly IDeviceMemory[] deviceIn = new IDeviceMemory[2], deviceOut = new IDeviceMemory[2];
        private readonly IHostMemory[] hostIn = new IHostMemory[2], hostOut = new IHostMemory[2];
        private readonly IGpuEvent[] uploaded = new IGpuEvent[2], computed = new IGpuEvent[2], downloaded = new IGpuEvent[2];
        private readonly GpuOps ops;

        public int Capacity { get; }

        public Pipeline(CudaEngine engine, int capacity)
        {
            this.engine = engine;
            Capacity = capacity;
            var device = engine.device;
            var layout = engine.Layout;
            try
            {
                upload = Own(device.CreateStream());
                compute = Own(device.CreateStream());
                download = Own(device.CreateStream());
                engine.filters ??= new GpuFilters(device, engine.bank, compute);
                long inBytes = (long)capacity * layout.Height * layout.Width * sizeof(float);
                long outBytes = (long)capacity * layout.OutputPerPlane * sizeof(float);
                for (int i = 0; i < 2; i++)
                {
                    deviceIn[i] = Own(device.Allocate(inBytes));
                    deviceOut[i] = Own(device.Allocate(outBytes));
                    compute.Memset(deviceIn[i].Address, 0, inBytes);
                    hostIn[i] = Own(device.AllocateHost(inBytes));
                    hostOut[i] = Own(device.AllocateHost(outBytes));
                    uploaded[i] = Own(device.CreateEvent());
                    computed[i] = Own(device.CreateEvent());
                    downloaded[i] = Own(device.CreateEvent());
                }
                ops = Own(new GpuOps(device, layout, engine.bank, engine.filters, engine.kernels!, compute, capacity));
                compute.Synchronize();
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
            owned.Add(d);
            return d;
        }

        public unsafe void Run(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken ct)
        {
            var layout = engine.Layout;
            int planeSize = layout.Height * layout.Width, outPer = layout.OutputPerPlane;
            int batches = (planeCount + Capacity - 1) / Capacity;
            for (int k = 0; k < batches; k++)
            {
                ct.ThrowIfCancellationRequested();
                int slot = k & 1;
                if (k >= 2)
                {
                    // Sub-batch k−2 used these buffers: its download must be complete before they are reused.
                    downloaded[slot].Synchronize();
                    Deliver(k - 2, planeCount, output);
                    uploaded[slot].Synchronize();
                }
                int first = k * Capacity, count = Math.Min(Capacity, planeCount - first);
                var staging = new Span<float>((void*)hostIn[slot].Address, count * planeSize);
                planes.Slice(first * planeSize, count * planeSize).CopyTo(staging);

                if (k >= 2) upload.Wait(computed[slot]); // the cascade of k−2 has finished reading deviceIn[slot]
                upload.CopyToDevice(deviceIn[slot].Address, hostIn[slot].Address, (long)count * planeSize * sizeof(float));
                upload.Record(uploaded[slot]);

                compute.Wait(uploaded[slot]);
                if (k >= 2) compute.Wait(downloaded[slot]); // deviceOut[slot] has been read back
                ops.Run(count, deviceIn[slot].Address, deviceOut[slot].Address);
                compute.Record(computed[slot]);

                download.Wait(computed[slot]);
                download.CopyToHost(hostOut[slot].Address, deviceOut[slot].Address, (long)count * outPer * sizeof(float));
                download.Record(downloaded[slot]);
            }
            for (int k = Math.Max(0, batches - 2); k < batches; k++)
            {
                downloaded[k & 1].Synchronize();
                Deliver(k, planeCount, output);
            }
        }

        private unsafe void Deliver(int k, int planeCount, Span<float> output)
        {
            int outPer = engine.Layout.OutputPerPlane;
            int first = k * Capacity, count = Math.Min(Capacity, planeCount - first);
            new ReadOnlySpan<float>((void*)hostOut[k & 1].Address, count * outPer).CopyTo(output.Slice(first * outPer, count * outPer));
        }

        public unsafe double TimeResident(ReadOnlySpan<float> planes, int planeCount)
        {
            var layout = engine.Layout;
            long bytes = (long)planeCount * layout.Height * layout.Width * sizeof(float);
            planes[..(planeCount * layout.Height * layout.Width)].CopyTo(new Span<float>((void*)hostIn[0].Address, planeCount * layout.Height * layout.Width));
            compute.CopyToDevice(deviceIn[0].Address, hostIn[0].Address, bytes);
            compute.Synchronize();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ops.Run(planeCount, deviceIn[0].Address, deviceOut[0].Address);
            compute.Synchronize();
            return clock.Elapsed.TotalSeconds;
        }

        /// <summary>Waits for every stream, ignoring their errors (used before tearing down after a failure).</summary>
        public void Quiesce()
        {
            foreach (var s in new[] { upload, compute, download })
            {
                try { s?.Synchronize(); }
                catch (GpuException) { }
            }
        }

        public void Dispose()
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
            owned.Clear();
        }
    }
}
