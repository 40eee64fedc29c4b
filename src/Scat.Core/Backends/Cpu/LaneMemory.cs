using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>Floats each array of a lane group needs for a layout and lane count (see <see cref="LaneBuffers"/>).</summary>
internal readonly record struct LaneSizes(int Full, int Quarter, int Low, int Pack, int Scratch)
{
    public static LaneSizes Of(ScatteringLayout layout, int lanes)
    {
        int full = checked(layout.PaddedHeight * layout.PaddedWidth * lanes);
        // W2 lives at resolution ≥ 1, Low at resolution J: they need a quarter of the room or less.
        int pack = ((layout.PaddedHeight >> layout.J) + 1) / 2 * (layout.PaddedWidth >> layout.J) * lanes;
        return new(full, full / 4, full >> (2 * layout.J), pack, CpuLaneGroup.ScratchFloats(layout, lanes));
    }

    public bool Holds(LaneSizes need) =>
        Full >= need.Full && Quarter >= need.Quarter && Low >= need.Low && Pack >= need.Pack && Scratch >= need.Scratch;

    /// <summary>Bytes of one group's arrays: five spectra and the FFT scratch (split complex), the row pairs, and the
    /// interleaved first-order filters (allocated when a group first lays a plane over several orientation lanes); each of
    /// the 15 arrays with the floats that bring its start to a 64-byte boundary (<see cref="LaneArray"/>).</summary>
    public long Bytes => sizeof(float) * (2L * (3L * Full + Quarter + Low + Pack + Scratch) + Full + 15L * LaneArray.Pad);
}

/// <summary>
/// A lane group's array of floats, starting at a 64-byte boundary: a pinned array (it never moves) and the offset of
/// its first aligned float. .NET aligns an array's data to 8 or 16 bytes only, so a 512-bit load from a plain array
/// crossed a cache line on every other element or every one, and a 256-bit load on every other one, wherever the
/// array happened to start: the FFT passes ran 15–30 % slower in processes whose arrays started off the 64-byte boundary
/// (docs/benchmarks.md, issue 20), and runs of one build differed by as much between processes. A plain array converts
/// to one (unaligned, for tests).
/// </summary>
internal readonly struct LaneArray
{
    private readonly float[] _array;
    private readonly int _offset;

    /// <summary>Floats allocated beyond the length, to start on a 64-byte boundary whatever the array's address.</summary>
    public const int Pad = 15;

    public int Length { get; }

    private LaneArray(float[] array, int offset, int length) { _array = array; _offset = offset; Length = length; }

    /// <summary>length zeroed floats starting at a 64-byte boundary.</summary>
    public static unsafe LaneArray Allocate(int length)
    {
        var array = GC.AllocateArray<float>(length + Pad, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return new LaneArray(array, offset, length);
    }

    public ref float Ref => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);

    public Span<float> Span => _array.AsSpan(_offset, Length);

    public Span<float> AsSpan(int start) => Span[start..];

    public Span<float> AsSpan(int start, int length) => Span.Slice(start, length);

    public static implicit operator Span<float>(LaneArray a) => a.Span;

    public static implicit operator LaneArray(float[] a) => new(a, 0, a.Length);
}

/// <summary>
/// The arrays one lane group computes in: a spectrum per <see cref="Spectrum"/> slot, the FFT scratch, the low-pass
/// inverse's row pairs, and the first-order filters interleaved per orientation lane. Rented from
/// <see cref="LaneMemory"/> for one group's run, so that every CPU engine of the process shares them.
/// </summary>
internal sealed class LaneBuffers
{
    public readonly LaneSizes Sizes;
    public readonly LaneArray[] Re, Im; // by Spectrum
    public readonly LaneArray ScratchRe, ScratchIm, PackRe, PackIm;
    private LaneArray? _laneFilter;

    public LaneBuffers(LaneSizes sizes)
    {
        Sizes = sizes;
        int slots = Enum.GetValues<Spectrum>().Length;
        Re = new LaneArray[slots];
        Im = new LaneArray[slots];
        for (int i = 0; i < slots; i++)
        {
            int cap = (Spectrum)i switch { Spectrum.W2 => sizes.Quarter, Spectrum.Low => sizes.Low, _ => sizes.Full };
            Re[i] = LaneArray.Allocate(cap);
            Im[i] = LaneArray.Allocate(cap);
        }
        ScratchRe = LaneArray.Allocate(sizes.Scratch);
        ScratchIm = LaneArray.Allocate(sizes.Scratch);
        PackRe = LaneArray.Allocate(sizes.Pack);
        PackIm = LaneArray.Allocate(sizes.Pack);
    }

    /// <summary>Room for a full spectrum's worth of per-lane filter values.</summary>
    public LaneArray LaneFilter => _laneFilter ??= LaneArray.Allocate(Sizes.Full);
}

/// <summary>
/// The process's idle lane-group arrays. Images at their own sizes make a CPU engine per size; each engine used to
/// allocate its groups' arrays (some 40 MB per group of 8 lanes at 336 × 432, zeroed by the runtime), which cost a
/// good part of one image's transform. Groups now rent the smallest idle set that holds their layout and give it back
/// after the run: at most <see cref="MaxIdle"/> sets stay idle (the larger kept), so the memory is bounded by the
/// groups running at once (one per thread) and that many sets, whatever the number of sizes.
/// </summary>
internal static class LaneMemory
{
    private static readonly List<LaneBuffers> Idle = new();

    /// <summary>Idle sets kept: one per core (a run's groups run one per thread).</summary>
    public static int MaxIdle => Math.Max(2, Environment.ProcessorCount);

    public static LaneBuffers Rent(LaneSizes need)
    {
        lock (Idle)
        {
            int best = -1;
            for (int i = 0; i < Idle.Count; i++)
                if (Idle[i].Sizes.Holds(need) && (best < 0 || Idle[i].Sizes.Full < Idle[best].Sizes.Full)) best = i;
            if (best >= 0)
            {
                var found = Idle[best];
                Idle.RemoveAt(best);
                return found;
            }
        }
        return new LaneBuffers(need);
    }

    public static void Return(LaneBuffers buffers)
    {
        lock (Idle)
        {
            Idle.Add(buffers);
            while (Idle.Count > MaxIdle)
            {
                int smallest = 0;
                for (int i = 1; i < Idle.Count; i++)
                    if (Idle[i].Sizes.Bytes < Idle[smallest].Sizes.Bytes) smallest = i;
                Idle.RemoveAt(smallest);
            }
        }
    }

    /// <summary>Bytes held by idle sets (tests).</summary>
    internal static long IdleBytes { get { lock (Idle) return Idle.Sum(b => b.Sizes.Bytes); } }
}
