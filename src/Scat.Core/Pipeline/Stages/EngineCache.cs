using Scat.Backends;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// Images at their own sizes: an engine and the steps after it for each image size, made on first use and kept for
/// the next images of that size, at most <paramref name="capacity"/> sizes at once (the least recently used is
/// disposed first: an engine holds buffers of its padded size). Filter banks are cached apart, by padded size
/// (<see cref="FilterBank.For"/>). Used from the transform thread only.
/// </summary>
internal sealed class EngineCache(Func<ScatteringLayout, IScatteringEngine> create, Func<int, int, ScatteringLayout> layoutOf,
    Func<ScatteringLayout, CoefficientSteps> stepsOf, int capacity = EngineCache.DefaultCapacity) : IDisposable
{
    public const int DefaultCapacity = 2;

    public sealed record Entry(IScatteringEngine Engine, CoefficientSteps Steps)
    {
        public ScatteringLayout Layout => Engine.Layout;
    }

    private readonly LinkedList<((int, int) Size, Entry Entry)> _entries = new();
    private Entry? _first;

    /// <summary>The run's first layout (the size of every image unless they have their own): made at once, never evicted.</summary>
    public Entry First => _first ?? throw new InvalidOperationException("no first size");

    /// <summary>Makes the first size's engine (before the stages start, so that a device problem fails the run early).</summary>
    public EngineCache Start(int height, int width)
    {
        _first = new Entry(create(layoutOf(height, width)), stepsOf(layoutOf(height, width)));
        return this;
    }

    /// <summary>Sizes for which an engine was made (each time one was needed again after eviction too).</summary>
    public int Made { get; private set; }

    /// <summary>The layout of an image size, without making its engine.</summary>
    public ScatteringLayout LayoutOf(int height, int width) => FirstIf(height, width)?.Layout ?? layoutOf(height, width);

    /// <summary>The steps after the transform for an image size: those of its engine while it is kept, else made anew
    /// (cheap), never an engine.</summary>
    public CoefficientSteps StepsFor(int height, int width)
    {
        if (FirstIf(height, width) is { } f) return f.Steps;
        foreach (var (size, entry) in _entries)
            if (size == (height, width)) return entry.Steps;
        return stepsOf(layoutOf(height, width));
    }

    /// <summary>Sizes kept at once: <see cref="For"/> of this many sizes in a row gives engines none of which is disposed.</summary>
    public int Capacity => Math.Max(1, capacity);

    /// <summary>The first size's entry when the size is the first's, else null.</summary>
    private Entry? FirstIf(int height, int width) =>
        _first is { } f && f.Layout.Height == height && f.Layout.Width == width ? f : null;

    public Entry For(int height, int width)
    {
        if (FirstIf(height, width) is { } f) return f;
        for (var node = _entries.First; node is not null; node = node.Next)
            if (node.Value.Size == (height, width))
            {
                if (node != _entries.First) { _entries.Remove(node); _entries.AddFirst(node); }
                return node.Value.Entry;
            }
        var layout = layoutOf(height, width);
        var entry = new Entry(create(layout), stepsOf(layout));
        Made++;
        _entries.AddFirst(((height, width), entry));
        while (_entries.Count > Math.Max(1, capacity))
        {
            _entries.Last!.Value.Entry.Engine.Dispose();
            _entries.RemoveLast();
        }
        return entry;
    }

    public void Dispose()
    {
        foreach (var (_, entry) in _entries) entry.Engine.Dispose();
        _entries.Clear();
        _first?.Engine.Dispose();
        _first = null;
    }
}
