using Scat.Backends.Cuda.Driver;
using Scat.Transform;

namespace Scat.Backends.Cuda;

/// <summary>
/// The GPU backend's primitives for a whole sub-batch of planes: every step is one kernel launch or one batched
/// cuFFT plan over all planes of the sub-batch, on the compute stream. Spectra of real signals (U0, W1, W2) are
/// R2C half spectra; wavelet bands are full spectra (C2C inverse); low-pass products are half spectra (C2R inverse:
/// φ is real and symmetric, so the product with a half spectrum stays Hermitian).
/// Buffers and plans are sized for <see cref="Capacity"/> planes; a smaller sub-batch launches kernels over its own
/// planes and runs the plans over the full capacity (the extra planes hold stale, unused values).
/// </summary>
internal sealed class GpuOps : IScatteringOps, IDisposable
{
    private readonly IGpuDevice device;
    private readonly ScatteringLayout layout;
    private readonly FilterBank bank;
    private readonly GpuFilters filters;
    private readonly ScatKernels kernels;
    private readonly IGpuStream stream;
    private readonly List<IDisposable> owned = [];
    private readonly Dictionary<(FftKind, int, int), IGpuFft> plans = new();
    private readonly IDeviceMemory real;
    private readonly IDeviceMemory[] slots;
    private readonly (int H, int W)[] dims;

    private int planes;
    private ulong input, output;

    public int Capacity { get; }

    public GpuOps(IGpuDevice device, ScatteringLayout layout, FilterBank bank, GpuFilters filters, ScatKernels kernels, IGpuStream stream, int capacity)
    {
        this.device = device;
        this.layout = layout;
        this.bank = bank;
        this.filters = filters;
        this.kernels = kernels;
        this.stream = stream;
        Capacity = capacity;
        dims = new (int, int)[Enum.GetValues<Spectrum>().Length];
        try
        {
            int hp = layout.PaddedHeight, wp = layout.PaddedWidth, bigJ = layout.J;
            real = Alloc((long)capacity * hp * wp * sizeof(float));
            slots = new IDeviceMemory[dims.Length];
            slots[(int)Spectrum.U0] = Alloc(ComplexBytes(capacity, hp, HalfCols(wp)));
            slots[(int)Spectrum.W1] = Alloc(ComplexBytes(capacity, hp, HalfCols(wp)));
            slots[(int)Spectrum.W2] = Alloc(ComplexBytes(capacity, Math.Max(1, hp >> 1), HalfCols(Math.Max(1, wp >> 1))));
            slots[(int)Spectrum.Band] = Alloc(ComplexBytes(capacity, hp, wp));
            slots[(int)Spectrum.Low] = Alloc(ComplexBytes(capacity, hp >> bigJ, HalfCols(wp >> bigJ)));
            // Every plan the cascade needs, made now so that an out-of-memory shows before any work is queued.
            for (int r = 0; r < bigJ; r++)
            {
                Plan(FftKind.R2C, hp >> r, wp >> r);
                Plan(FftKind.C2C, hp >> r, wp >> r);
            }
            Plan(FftKind.C2R, hp >> bigJ, wp >> bigJ);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal static int HalfCols(int w) => w / 2 + 1;
    private static long ComplexBytes(long planes, int h, int cols) => planes * h * cols * 8;

    /// <summary>Device bytes one plane of capacity costs (buffers, plan workspaces estimated as one complex plane), double-buffered I/O included.</summary>
    public static long BytesPerPlane(ScatteringLayout layout)
    {
        long hp = layout.PaddedHeight, wp = layout.PaddedWidth;
        long io = 2L * (layout.Height * layout.Width + layout.OutputPerPlane) * sizeof(float);
        long work = hp * wp * sizeof(float) + 2 * ComplexBytes(1, (int)hp, HalfCols((int)wp)) + ComplexBytes(1, (int)(hp >> 1), HalfCols((int)(wp >> 1)))
                    + ComplexBytes(1, (int)hp, (int)wp) + ComplexBytes(1, (int)(hp >> layout.J), HalfCols((int)(wp >> layout.J)));
        return io + work + ComplexBytes(1, (int)hp, (int)wp);
    }

    private IDeviceMemory Alloc(long bytes)
    {
        var m = device.Allocate(Math.Max(bytes, 8));
        owned.Add(m);
        return m;
    }

    private IGpuFft Plan(FftKind kind, int h, int w)
    {
        if (plans.TryGetValue((kind, h, w), out var p)) return p;
        p = device.CreateFft(kind, h, w, Capacity);
        owned.Add(p);
        plans[(kind, h, w)] = p;
        return p;
    }

    /// <summary>Queues the cascade for <paramref name="count"/> planes at <paramref name="inputAddress"/> into <paramref name="outputAddress"/>.</summary>
    public void Run(int count, ulong inputAddress, ulong outputAddress)
    {
        if (count < 1 || count > Capacity) throw new ArgumentOutOfRangeException(nameof(count));
        planes = count;
        input = inputAddress;
        output = outputAddress;
        ScatteringCascade.Run(this, layout, bank);
    }

    private ulong Slot(Spectrum s) => slots[(int)s].Address;

    public void PadForward(Spectrum dst)
    {
        int h = layout.PaddedHeight, w = layout.PaddedWidth;
        kernels.Pad(stream, planes, input, real.Address, layout.Height, layout.Width, h, w, layout.PadTop, layout.PadLeft, (int)layout.Padding);
        Plan(FftKind.R2C, h, w).Execute(stream, real.Address, Slot(dst), inverse: false);
        dims[(int)dst] = (h, w);
    }

    public void MultiplyPeriodize(Spectrum src, FilterRef filter, int k, Spectrum dst)
    {
        var (h, w) = dims[(int)src];
        if (src is Spectrum.Band or Spectrum.Low) throw new InvalidOperationException($"{src} is not a half spectrum of a real signal");
        int oh = h / k, ow = w / k;
        int cols = dst switch
        {
            Spectrum.Band => ow,
            Spectrum.Low when filter.IsLowPass => HalfCols(ow),
            _ => throw new InvalidOperationException($"periodize into {dst} with {filter} is not supported"),
        };
        kernels.MulPeriodize(stream, planes, Slot(src), filters.Address(filter, h, w), Slot(dst), h, w, k, cols, 1f / (k * k));
        dims[(int)dst] = (oh, ow);
    }

    public void ModulusForward(Spectrum src, Spectrum dst)
    {
        if (src != Spectrum.Band) throw new InvalidOperationException("the modulus takes a full (band) spectrum");
        var (h, w) = dims[(int)src];
        Plan(FftKind.C2C, h, w).Execute(stream, Slot(src), Slot(src), inverse: true);
        kernels.Modulus(stream, planes, Slot(src), real.Address, h * w, 1f / (h * w));
        Plan(FftKind.R2C, h, w).Execute(stream, real.Address, Slot(dst), inverse: false);
        dims[(int)dst] = (h, w);
    }

    public void InverseCropStore(Spectrum src, int channel)
    {
        if (src != Spectrum.Low) throw new InvalidOperationException("only low-pass half spectra are stored");
        var (h, w) = dims[(int)src];
        Plan(FftKind.C2R, h, w).Execute(stream, Slot(src), real.Address, inverse: true);
        kernels.CropStore(stream, planes, real.Address, output, h, w, layout.K, channel, 1f / (h * w));
    }

    public void Dispose()
    {
        for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        owned.Clear();
        plans.Clear();
    }
}

/// <summary>The filter bank on the device: every filter of every resolution in one buffer, uploaded once per engine.</summary>
internal sealed class GpuFilters : IDisposable
{
    private readonly IDeviceMemory memory;
    private readonly Dictionary<FilterRef, (long Offset, int Length)> offsets = new();

    public unsafe GpuFilters(IGpuDevice device, FilterBank bank, IGpuStream stream)
    {
        var all = new List<(FilterRef Ref, float[] Data)>();
        for (int r = 0; r < bank.LowPass.Length; r++) all.Add((FilterRef.Phi(r), bank.LowPass[r]));
        for (int n = 0; n < bank.Wavelets.Count; n++)
            for (int r = 0; r < bank.Wavelets[n].Levels.Length; r++) all.Add((FilterRef.Psi(n, r), bank.Wavelets[n].Levels[r]));
        long total = 0;
        foreach (var (f, data) in all)
        {
            offsets[f] = (total, data.Length);
            total += (data.Length + 63) / 64 * 64; // 256-byte aligned starts
        }
        var host = new float[total];
        foreach (var (f, data) in all) data.CopyTo(host, offsets[f].Offset);
        memory = device.Allocate(total * sizeof(float));
        try
        {
            fixed (float* p = host)
            {
                stream.CopyToDevice(memory.Address, (nint)p, total * sizeof(float));
                stream.Synchronize();
            }
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    public ulong Address(FilterRef filter, int h, int w)
    {
        var (offset, length) = offsets[filter];
        if (length != h * w) throw new InvalidOperationException($"filter {filter} does not match a {h}x{w} spectrum");
        return memory.Address + (ulong)(offset * sizeof(float));
    }

    public void Dispose() => memory.Dispose();
}
