using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Scat.Pipeline;

/// <summary>
/// Runs pipeline stages on their own threads, joined by bounded queues: a producer fills a queue, each
/// worker takes from one queue and gives to the next, and the caller consumes the last one. The first
/// stage that fails cancels the others; its exception (not the others' cancellations) is rethrown.
/// </summary>
internal sealed class StageQueue : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly List<Task> _tasks = [];
    private readonly List<IDisposable> _queues = [];
    private ExceptionDispatchInfo? _failure;

    public StageQueue(CancellationToken run) => _stop = CancellationTokenSource.CreateLinkedTokenSource(run);

    /// <summary>Cancelled when the run is, or when any stage fails.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Starts <paramref name="produce"/> on its own thread, giving to a queue of <paramref name="capacity"/>.</summary>
    public BlockingCollection<T> Start<T>(int capacity, Action<Action<T>, CancellationToken> produce)
    {
        var queue = new BlockingCollection<T>(capacity);
        _queues.Add(queue);
        _tasks.Add(Task.Factory.StartNew(() =>
        {
            try { produce(item => queue.Add(item, Token), Token); }
            catch (Exception e) { Fail(e); }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        return queue;
    }

    /// <summary>Starts a stage that applies <paramref name="step"/> to each item of <paramref name="input"/>.</summary>
    public BlockingCollection<T> Then<T>(BlockingCollection<T> input, int capacity, Action<T, CancellationToken> step) =>
        Start<T>(capacity, (give, token) =>
        {
            foreach (var item in input.GetConsumingEnumerable(token))
            {
                step(item, token);
                give(item);
            }
        });

    /// <summary>The items of the last queue, in order, on the calling thread; rethrows a stage's failure.</summary>
    public IEnumerable<T> Consume<T>(BlockingCollection<T> queue)
    {
        IEnumerator<T> items = queue.GetConsumingEnumerable(Token).GetEnumerator();
        while (true)
        {
            try
            {
                if (!items.MoveNext()) break;
            }
            catch (OperationCanceledException) when (_failure is not null) { break; }
            yield return items.Current;
        }
        Task.WaitAll(_tasks.ToArray()); // every stage has ended: a failed one set _failure first
        _failure?.Throw();
        _stop.Token.ThrowIfCancellationRequested();
    }

    private void Fail(Exception e)
    {
        if (e is OperationCanceledException && _stop.IsCancellationRequested) return; // a consequence, not a cause
        Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        _stop.Cancel();
    }

    /// <summary>Stops the stages (the consumer failed or left early) and waits for them to end.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try { Task.WaitAll(_tasks.ToArray()); } catch (AggregateException) { }
        foreach (var q in _queues) q.Dispose();
        _stop.Dispose();
    }
}
