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
    private readonly IGpuDevice _device;
    private readonly ScatteringLayout _layout;
    private readonly FilterBank _bank;
    private readonly GpuFilters _filters;
    private readonly ScatKernels _kernels;
    private readonly IGpuStream _stream;
    private readonly List<IDisposable> _owned = [];
    private readonly Dictionary<(FftKind, int, int), IGpuFft> _plans = new();
    private readonly IDeviceMemory _real;
    private readonly IDeviceMemory[] _slots;
    private readonly (int H, int W)[] _dims;

    private int _planes;
    private ulong _input, _output;

    public int Capacity { get; }

    public GpuOps(IGpuDevice device, ScatteringLayout layout, FilterBank bank, GpuFilters filters, ScatKernels kernels, IGpuStream stream, int capacity)
    {
        _device = device;
        _layout = layout;
        _bank = bank;
        _filters = filters;
        _kernels = kernels;
        _stream = stream;
        Capacity = capacity;
        _dims = new (int, int)[Enum.GetValues<Spectrum>().Length];
        try
        {
            int hp = layout.PaddedHeight, wp = layout.PaddedWidth, bigJ = layout.J;
            _real = Alloc((long)capacity * hp * wp * sizeof(float));
            _slots = new IDeviceMemory[_dims.Length];
            _slots[(int)Spectrum.U0] = Alloc(ComplexBytes(capacity, hp, HalfCols(wp)));
            _slots[(int)Spectrum.W1] = Alloc(ComplexBytes(capacity, hp, HalfCols(wp)));
            _slots[(int)Spectrum.W2] = Alloc(ComplexBytes(capacity, Math.Max(1, hp >> 1), HalfCols(Math.Max(1, wp >> 1))));
            _slots[(int)Spectrum.Band] = Alloc(ComplexBytes(capacity, hp, wp));
            _slots[(int)Spectrum.Low] = Alloc(ComplexBytes(capacity, hp >> bigJ, HalfCols(wp >> bigJ)));
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
        var m = _device.Allocate(Math.Max(bytes, 8));
        _owned.Add(m);
        return m;
    }

    private IGpuFft Plan(FftKind kind, int h, int w)
    {
        if (_plans.TryGetValue((kind, h, w), out var p)) return p;
        p = _device.CreateFft(kind, h, w, Capacity);
        _owned.Add(p);
        _plans[(kind, h, w)] = p;
        return p;
    }

    /// <summary>Queues the cascade for <paramref name="count"/> planes at <paramref name="inputAddress"/> into <paramref name="outputAddress"/>.</summary>
    public void Run(int count, ulong inputAddress, ulong outputAddress)
    {
        if (count < 1 || count > Capacity) throw new ArgumentOutOfRangeException(nameof(count));
        _planes = count;
        _input = inputAddress;
        _output = outputAddress;
        ScatteringCascade.Run(this, _layout, _bank);
    }

    private ulong Slot(Spectrum s) => _slots[(int)s].Address;

    public void PadForward(Spectrum dst)
    {
        int h = _layout.PaddedHeight, w = _layout.PaddedWidth;
        _kernels.Pad(_stream, _planes, _input, _real.Address, _layout.Height, _layout.Width, h, w, _layout.PadTop, _layout.PadLeft, (int)_layout.Padding);
        Plan(FftKind.R2C, h, w).Execute(_stream, _real.Address, Slot(dst), inverse: false);
        _dims[(int)dst] = (h, w);
    }

    public void MultiplyPeriodize(Spectrum src, FilterRef filter, int k, Spectrum dst)
    {
        var (h, w) = _dims[(int)src];
        if (src is Spectrum.Band or Spectrum.Low) throw new InvalidOperationException($"{src} is not a half spectrum of a real signal");
        int oh = h / k, ow = w / k;
        int cols = dst switch
        {
            Spectrum.Band => ow,
            Spectrum.Low when filter.IsLowPass => HalfCols(ow),
            _ => throw new InvalidOperationException($"periodize into {dst} with {filter} is not supported"),
        };
        _kernels.MulPeriodize(_stream, _planes, Slot(src), _filters.Address(filter, h, w), Slot(dst), h, w, k, cols, 1f / (k * k));
        _dims[(int)dst] = (oh, ow);
    }

    public void ModulusForward(Spectrum src, Spectrum dst)
    {
        if (src != Spectrum.Band) throw new InvalidOperationException("the modulus takes a full (band) spectrum");
        var (h, w) = _dims[(int)src];
        Plan(FftKind.C2C, h, w).Execute(_stream, Slot(src), Slot(src), inverse: true);
        _kernels.Modulus(_stream, _planes, Slot(src), _real.Address, h * w, 1f / (h * w));
        Plan(FftKind.R2C, h, w).Execute(_stream, _real.Address, Slot(dst), inverse: false);
        _dims[(int)dst] = (h, w);
    }

    /// <summary>One plane per signal: the device's batch fills its threads with planes.</summary>
    public int Orientations => 1;

    public void InverseCropStore(Spectrum src, int channel, int orientationStep)
    {
        if (src != Spectrum.Low) throw new InvalidOperationException("only low-pass half spectra are stored");
        var (h, w) = _dims[(int)src];
        Plan(FftKind.C2R, h, w).Execute(_stream, Slot(src), _real.Address, inverse: true);
        _kernels.CropStore(_stream, _planes, _real.Address, _output, h, w, _layout.K, channel, 1f / (h * w));
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
        _plans.Clear();
    }
}

/// <summary>The filter bank on the device: every filter of every resolution in one buffer, uploaded once per engine.</summary>
internal sealed class GpuFilters : IDisposable
{
    private readonly IDeviceMemory _memory;
    private readonly Dictionary<FilterRef, (long Offset, int Length)> _offsets = new();

    public unsafe GpuFilters(IGpuDevice device, FilterBank bank, IGpuStream stream)
    {
        var all = new List<(FilterRef Ref, float[] Data)>();
        for (int r = 0; r < bank.LowPass.Length; r++) all.Add((FilterRef.Phi(r), bank.LowPass[r]));
        for (int n = 0; n < bank.Wavelets.Count; n++)
            for (int r = 0; r < bank.Wavelets[n].Levels.Length; r++) all.Add((FilterRef.Psi(n, r), bank.Wavelets[n].Levels[r]));
        long total = 0;
        foreach (var (f, data) in all)
        {
            _offsets[f] = (total, data.Length);
            total += (data.Length + 63) / 64 * 64; // 256-byte aligned starts
        }
        var host = new float[total];
        foreach (var (f, data) in all) data.CopyTo(host, _offsets[f].Offset);
        _memory = device.Allocate(total * sizeof(float));
        try
        {
            fixed (float* p = host)
            {
                stream.CopyToDevice(_memory.Address, (nint)p, total * sizeof(float));
                stream.Synchronize();
            }
        }
        catch
        {
            _memory.Dispose();
            throw;
        }
    }

    public ulong Address(FilterRef filter, int h, int w)
    {
        var (offset, length) = _offsets[filter];
        if (length != h * w) throw new InvalidOperationException($"filter {filter} does not match a {h}x{w} spectrum");
        return _memory.Address + (ulong)(offset * sizeof(float));
    }

    public void Dispose() => _memory.Dispose();
}
