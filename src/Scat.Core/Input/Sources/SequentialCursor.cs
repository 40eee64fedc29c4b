namespace Scat.Input;

/// <summary>
/// Random-looking access to a sequence that can only be read forward (a tar shard, a deflated NPZ member, a run of
/// row groups): <see cref="Take"/> reads forward to the wanted element and keeps the elements it passes in a small
/// look-ahead buffer, because the decode workers ask for a batch's items nearly, not exactly, in listing order. An
/// element behind the reader that is no longer buffered (asked for twice, or evicted) restarts the reader, so every
/// request is answered whatever the order, and memory stays bounded by <c>maxBufferedBytes</c>. Thread-safe.
/// </summary>
/// <param name="open">Opens a reader whose first element has index <c>First</c> ≤ the index asked for.</param>
/// <param name="bytesOf">The memory an element holds (for the buffer's bound).</param>
internal sealed class SequentialCursor<T>(Func<long, (long First, IEnumerator<T> Reader)> open, Func<T, long> bytesOf, long maxBufferedBytes)
    : IDisposable
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, T> _ahead = [];
    private long _aheadBytes;
    private IEnumerator<T>? _reader;
    private long _next; // index of the element the reader yields next

    /// <summary>The element at <paramref name="index"/>; throws when the sequence ends before it.</summary>
    public T Take(long index)
    {
        lock (_gate)
        {
            if (_ahead.Remove(index, out var buffered))
            {
                _aheadBytes -= bytesOf(buffered);
                return buffered;
            }
            if (_reader is null || index < _next)
            {
                _reader?.Dispose();
                _reader = null;
                var (first, reader) = open(index);
                _reader = reader;
                _next = first;
            }
            try
            {
                while (true)
                {
                    if (!_reader.MoveNext()) throw new EndOfStreamException($"the input ends before item {index}");
                    long i = _next++;
                    var element = _reader.Current;
                    if (i == index) return element;
                    Keep(i, element);
                }
            }
            catch
            {
                _reader.Dispose(); // a failed reader is not trusted again: the next request reopens
                _reader = null;
                throw;
            }
        }
    }

    private void Keep(long index, T element)
    {
        long size = bytesOf(element);
        if (_ahead.TryAdd(index, element)) _aheadBytes += size;
        while (_aheadBytes > maxBufferedBytes && _ahead.Count > 0)
        {
            var (oldest, value) = _ahead.First();
            _ahead.Remove(oldest);
            _aheadBytes -= bytesOf(value);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reader?.Dispose();
            _reader = null;
            _ahead.Clear();
        }
    }
}
