using System.Diagnostics;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>Impossible arguments refused before any work; the decode deadline.</summary>
public class ArgumentAndTimeoutTests
{
    [Theory]
    [InlineData("J=5 needs images of at least 32 pixels on each side", "-J", "5", "--size", "16")]
    [InlineData("--angles (L) must be at least 1, got 0", "-L", "0")]
    [InlineData("'3'", "--order", "3")]
    [InlineData("unknown --device 'tpu': use auto, cpu, cuda or cuda:N", "--device", "tpu")]
    [InlineData("--max-pixels must be at least 1, got 0", "--max-pixels", "0")]
    [InlineData("--decode-timeout must be more than 0", "--decode-timeout", "0")]
    [InlineData("--decode-timeout must be more than 0", "--decode-timeout", "-1")]
    [InlineData("--batch-size must be at least 1, got 0", "--batch-size", "0")]
    public void ImpossibleArgumentsAreRefusedBeforeAnyWork(string expected, params string[] options)
    {
        using var dir = new TempDir();
        // The input does not exist: any work would fail on it instead (exit 1).
        var run = InProcess.Scat(["extract", dir["missing"], "-o", dir["f.npz"], .. options]);
        Assert.Equal(2, run.Exit);
        Assert.Contains(expected, run.Stderr);
        Assert.StartsWith("scat: error:", run.Stderr);
        Assert.False(File.Exists(dir["f.npz"]));
    }

    [Fact]
    public void SkippedListMustNotBeTheOutput()
    {
        using var dir = new TempDir();
        var run = InProcess.Scat("extract", dir["missing"], "-o", dir["f.npz"], "--skipped", dir["f.npz"]);
        Assert.Equal(2, run.Exit);
        Assert.Contains("--skipped must be another file than the output", run.Stderr);
    }

    [Fact]
    public void AnOverrunningDecodeIsAbandonedAndTheRunGoesOn()
    {
        using var release = new ManualResetEventSlim(false);
        using var workers = new DecodeWorkers(1, TimeSpan.FromMilliseconds(300), maxAbandoned: 1);
        // Ignores its token, as an ImageSharp loop might.
        var stuck = workers.Submit<object, int>(_ => { release.Wait(); return new object(); }, _ => 1, CancellationToken.None);
        var next = workers.Submit<object, int>(_ => new object(), _ => 2, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<ImageDecodeException>(() => workers.Wait(stuck, CancellationToken.None));
        Assert.Equal("decoding took longer than --decode-timeout (0.3 s)", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(2, workers.Wait(next, CancellationToken.None)); // a fresh thread took over
        Assert.Equal(1, workers.AbandonedRunning);

        // A second stuck decode while the first still runs: more than maxAbandoned, the run gives up.
        var again = workers.Submit<object, int>(_ => { release.Wait(); return new object(); }, _ => 3, CancellationToken.None);
        Assert.Contains("overran --decode-timeout", Assert.Throws<ScatException>(() => workers.Wait(again, CancellationToken.None)).Message);

        release.Set(); // the abandoned decodes finish late: their results are dropped and their threads end
        var until = Stopwatch.StartNew();
        while (workers.AbandonedRunning > 0 && until.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
        Assert.Equal(0, workers.AbandonedRunning);
    }

    [Fact]
    public void ADecodeThatSeesItsDeadlineIsSkippedToo()
    {
        using var workers = new DecodeWorkers(1, TimeSpan.FromSeconds(2)); // generous: a loaded machine must not flake
        var job = workers.Submit<object, int>(token => { Task.Delay(-1, token).Wait(token); return new object(); }, _ => 1, CancellationToken.None);
        Assert.Contains("--decode-timeout", Assert.Throws<ImageDecodeException>(() => workers.Wait(job, CancellationToken.None)).Message);
        Assert.Equal(0, workers.AbandonedRunning);
    }

    [Fact]
    public void CancellingTheRunStopsTheWait()
    {
        using var release = new ManualResetEventSlim(false);
        using var workers = new DecodeWorkers(1, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var job = workers.Submit<object, int>(_ => { release.Wait(); return new object(); }, _ => 1, cancel.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => workers.Wait(job, cancel.Token));
        release.Set();
    }
}
