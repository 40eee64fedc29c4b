using System.Collections.Concurrent;
using Scat.Transform;

namespace Scat.Backends.Cpu;

/// <summary>
/// The CPU engine: planes are cut into groups of <see cref="LanePlan.Lanes"/> (chosen per layout:
/// <see cref="LanePlan.For"/>), each group runs the cascade on one thread with SIMD across its planes. A plane's
/// result does not depend on its group, lane, thread or the plan.
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
            var options = new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellationToken };
            Parallel.For(0, groups, options, g =>
            {
                if (!_pool.TryTake(out var group)) group = new CpuLaneGroup(Layout, _bank, _ffts, _plan);
                try
                {
                    int first = g * lanes;
                    group.Run((float*)inAddress, (float*)outAddress, first, Math.Min(lanes, planeCount - first));
                }
                finally { _pool.Add(group); }
            });
        }
    }

    public void Dispose() { }
}
