using System.Collections.Concurrent;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>
/// The CPU engine: planes are cut into groups of <see cref="LanePlan.Lanes"/> (chosen per layout:
/// <see cref="LanePlan.For"/>), each group runs the cascade on one thread with SIMD across its planes. The planes
/// left over after the full groups (all of them when a call has fewer planes than lanes, as an image at its own size
/// has) go in one group with several orientation lanes per plane (<see cref="OrientationsFor"/>), so that one gray
/// plane still fills the lanes. A plane's result does not depend on its group, lane, thread or the plan.
/// </summary>
public sealed class CpuEngine : IScatteringEngine
{
    private readonly FilterBank _bank;
    private readonly Dictionary<int, LaneFft> _ffts;
    private readonly ConcurrentBag<CpuLaneGroup> _pool = new();
    private readonly int _threads;
    private readonly LanePlan _plan;

    public ScatteringLayout Layout { get; }
    public string Description => $"cpu ({_threads} threads, {Simd.NameOf(_plan.Width)}, {_plan.Lanes} planes per group)";

    public CpuEngine(ScatteringLayout layout, int threads = 0) : this(layout, threads, LanePlan.For(layout)) { }

    /// <summary>An engine with the given lane plan (tests: every plan gives the same bytes).</summary>
    internal CpuEngine(ScatteringLayout layout, int threads, LanePlan plan)
    {
        Layout = layout;
        _plan = plan;
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        _bank = FilterBank.For(layout);
        _ffts = CpuLaneGroup.PlanFfts(layout);
    }

    public unsafe void Transform(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken cancellationToken = default)
    {
        EngineArguments.Check(Layout, planes, planeCount, output);
        if (planeCount == 0) return;
        // The groups run on several threads straight from the caller's memory, pinned for the call.
        fixed (float* input = planes)
        fixed (float* result = output)
        {
            nint inAddress = (nint)input, outAddress = (nint)result;
            int lanes = _plan.Lanes;
            int groups = (planeCount + lanes - 1) / lanes;
            int rest = planeCount - (groups - 1) * lanes;
            int restOrientations = ForcedOrientations ?? OrientationsFor(rest, lanes, Layout.L);
            var options = new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellationToken };
            Parallel.For(0, groups, options, g =>
            {
                if (!_pool.TryTake(out var group)) group = new CpuLaneGroup(Layout, _bank, _ffts, _plan);
                try
                {
                    int first = g * lanes;
                    bool last = g == groups - 1;
                    int count = last ? rest : lanes, orientations = last ? restOrientations : 1;
                    group.Run((float*)inAddress, (float*)outAddress, first, count, orientations);
                    // Coefficients that are not all finite: run again with the modulus guarded against overflow (inputs
                    // whose |z|² overflows: about 1e15 and above, less for large images). Ordinary inputs never take
                    // this path, so their modulus is the bare formula.
                    var written = new ReadOnlySpan<float>((float*)outAddress + (long)first * Layout.OutputPerPlane, count * Layout.OutputPerPlane);
                    if (!Finite.All(written))
                        group.Run((float*)inAddress, (float*)outAddress, first, count, orientations, guarded: true);
                }
                finally { _pool.Add(group); }
            });
        }
    }

    /// <summary>
    /// Orientation lanes per plane for a group of <paramref name="planes"/> planes: the most S dividing L with
    /// planes · S ≤ lanes (1 for a full group).
    /// </summary>
    internal static int OrientationsFor(int planes, int lanes, int l)
    {
        for (int s = Math.Min(l, lanes / Math.Max(1, planes)); s > 1; s--)
            if (l % s == 0) return s;
        return 1;
    }

    /// <summary>Tests: the last group with this many orientation lanes per plane (its planes times it must fit the lanes).</summary>
    internal int? ForcedOrientations { get; init; }

    public void Dispose() { }
}
