using System.Collections.Concurrent;

namespace Scat.Pipeline;

/// <summary>A fixed number of reusable buffers: renting blocks until one is handed back, which bounds memory.</summary>
internal sealed class BufferPool<T> : IDisposable where T : class
{
    private readonly BlockingCollection<T> _free;

    public BufferPool(int count, Func<T> create)
    {
        _free = new BlockingCollection<T>(new ConcurrentQueue<T>(), count);
        for (int i = 0; i < count; i++) _free.Add(create());
    }

    public T Rent(CancellationToken cancellationToken) => _free.Take(cancellationToken);

    public void Return(T buffer) => _free.Add(buffer);

    public void Dispose() => _free.Dispose();
}
