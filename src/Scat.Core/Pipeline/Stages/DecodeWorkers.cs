using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Scat.Input.Decoding;

namespace Scat.Pipeline;

/// <summary>
/// Dedicated threads that run decodes under a deadline. A decode is given a token cancelled at its deadline,
/// but ImageSharp 2.1 does not observe cancellation everywhere: a decode that overruns is abandoned — its
/// thread is left to finish on its own (whatever it produces is then disposed, and the thread ends) and a
/// fresh thread takes its place, so one crafted file cannot block the run. At most
/// <see cref="MaxAbandoned"/> abandoned decodes may be running at once; one more fails the run.
/// </summary>
/// <remarks>
/// A job has two phases: the decode (<c>work</c>, abandonable) and the finish (<c>finish</c>, our own bounded
/// code, e.g. copying pixels into a batch buffer), which runs only when the decode was not abandoned and
/// which the waiter then always waits for, so a late decode never writes into a buffer that moved on.
/// </remarks>
public sealed class DecodeWorkers : IDisposable
{
    private readonly BlockingCollection<Job> _queue = new(new ConcurrentQueue<Job>());
    private readonly CancellationTokenSource _stop = new();
    private int _abandoned;
    private int _nextThread;

    public TimeSpan Timeout { get; }
    public int MaxAbandoned { get; }
    /// <summary>Decode threads.</summary>
    public int Threads { get; }
    /// <summary>Decodes abandoned after their deadline that are still running.</summary>
    public int AbandonedRunning => Volatile.Read(ref _abandoned);

    public DecodeWorkers(int threads, TimeSpan timeout, int maxAbandoned = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        ArgumentOutOfRangeException.ThrowIfNegative(maxAbandoned);
        Timeout = timeout;
        MaxAbandoned = maxAbandoned;
        Threads = threads;
        for (int i = 0; i < threads; i++) StartThread();
    }

    /// <summary>Queues a job: <paramref name="work"/> under the deadline, then <paramref name="finish"/> on its result.</summary>
    /// <remarks>A result of <paramref name="work"/> that arrives after the job was abandoned is disposed when it is
    /// <see cref="IDisposable"/>.</remarks>
    public Job<TResult> Submit<TImage, TResult>(Func<CancellationToken, TImage> work, Func<TImage, TResult> finish,
        CancellationToken cancellationToken)
    {
        var job = new Job<TResult>(token => work(token), image => finish((TImage)image!), cancellationToken);
        _queue.Add(job, CancellationToken.None);
        return job;
    }

    /// <summary>
    /// Waits for a job. Throws <see cref="ImageDecodeException"/> when the decode failed or overran its deadline,
    /// <see cref="OperationCanceledException"/> when the run is cancelled, and <see cref="ScatException"/> when
    /// too many abandoned decodes are still running.
    /// </summary>
    public TResult Wait<TResult>(Job<TResult> job, CancellationToken cancellationToken)
    {
        // A decode that honours its token stops at Timeout by itself; only one still running a little later
        // (the grace) is abandoned, so the two deadlines never race.
        var limit = Timeout + TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, Timeout.Ticks / 4));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Volatile.Read(ref job._startedTicks);
            TimeSpan wait = started == 0
                ? TimeSpan.FromMilliseconds(50)
                : limit - Stopwatch.GetElapsedTime(started);
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            try
            {
                if (job._done.Wait(wait, cancellationToken)) return job.GetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            if (started == 0 || Stopwatch.GetElapsedTime(started) < limit) continue;
            if (!job.TryAbandon())
            {
                job._done.Wait(10, cancellationToken); // finishing (bounded) or just starting: look again shortly
                continue;
            }
            int running = Interlocked.Increment(ref _abandoned);
            if (running > MaxAbandoned)
                throw new ScatException(string.Create(CultureInfo.InvariantCulture,
                    $"{running} decodes overran --decode-timeout ({Timeout.TotalSeconds:0.###} s) and are still running; giving up"));
            StartThread();
            throw new ImageDecodeException(TimeoutReason(Timeout));
        }
    }

    internal static string TimeoutReason(TimeSpan timeout) => string.Create(CultureInfo.InvariantCulture,
        $"decoding took longer than --decode-timeout ({timeout.TotalSeconds:0.###} s)");

    private void StartThread()
    {
        var thread = new Thread(Serve)
        {
            IsBackground = true, // an abandoned decode never keeps the process alive
            Name = $"scat-decode-{Interlocked.Increment(ref _nextThread)}",
        };
        thread.Start();
    }

    private void Serve()
    {
        try
        {
            foreach (var job in _queue.GetConsumingEnumerable(_stop.Token))
            {
                if (!job.Run(Timeout))
                {
                    // This thread's decode was abandoned; a replacement serves the queue now.
                    Interlocked.Decrement(ref _abandoned);
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _stop.Cancel();
        // Running decodes see the run's token or their deadline; nothing is joined, so a stuck decode cannot block.
    }

    /// <summary>A queued decode.</summary>
    public abstract class Job
    {
        internal long _startedTicks;
        internal readonly ManualResetEventSlim _done = new(false);

        /// <summary>Runs the job on a worker; false when it was abandoned meanwhile (the thread must then end).</summary>
        internal abstract bool Run(TimeSpan timeout);
    }

    public sealed class Job<TResult> : Job
    {
        private const int Queued = 0, Running = 1, Finishing = 2, Abandoned = 3;
        private readonly Func<CancellationToken, object?> _work;
        private readonly Func<object?, TResult> _finish;
        private readonly CancellationToken _runToken;
        private int _state = Queued;
        private TResult? _result;
        private ExceptionDispatchInfo? _error;

        internal Job(Func<CancellationToken, object?> work, Func<object?, TResult> finish, CancellationToken runToken)
        {
            _work = work;
            _finish = finish;
            _runToken = runToken;
        }

        internal override bool Run(TimeSpan timeout)
        {
            object? image = null;
            try
            {
                _runToken.ThrowIfCancellationRequested();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_runToken);
                deadline.CancelAfter(timeout);
                Volatile.Write(ref _startedTicks, Stopwatch.GetTimestamp());
                Volatile.Write(ref _state, Running);
                try
                {
                    image = _work(deadline.Token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_runToken.IsCancellationRequested)
                {
                    // The decoder saw its deadline.
                    throw new ImageDecodeException(TimeoutReason(timeout));
                }
                if (Interlocked.CompareExchange(ref _state, Finishing, Running) != Running)
                {
                    (image as IDisposable)?.Dispose();
                    return false;
                }
                var finish = image;
                image = null; // finish owns it now
                _result = _finish(finish);
            }
            catch (Exception e)
            {
                (image as IDisposable)?.Dispose();
                if (Interlocked.CompareExchange(ref _state, Finishing, Running) == Abandoned) return false;
                _error = ExceptionDispatchInfo.Capture(e);
            }
            _done.Set();
            return true;
        }

        internal bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Running) == Running;

        internal TResult GetResult()
        {
            _error?.Throw();
            return _result!;
        }
    }
}
