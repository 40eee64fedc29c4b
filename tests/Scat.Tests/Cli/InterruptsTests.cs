using System.Runtime.InteropServices;
using Scat.Cli;

namespace Scat.Tests.Cli;

/// <summary>README: "SIGINT (Ctrl-C) and SIGTERM stop the run …; a second Ctrl-C ends the process at once."
/// (InterruptTests sends the first signal to a real run.)</summary>
public class InterruptsTests
{
    [Fact]
    public void TheFirstSignalCancelsTheRunASecondEndsTheProcessAtOnce()
    {
        using var cancel = new CancellationTokenSource();
        var interrupts = new Interrupts(cancel);
        var first = new PosixSignalContext(PosixSignal.SIGINT);
        interrupts.OnSignal(first, ExitCode.Interrupted);
        Assert.True(first.Cancel); // handled: the process goes on to clean up
        Assert.True(cancel.IsCancellationRequested);
        var second = new PosixSignalContext(PosixSignal.SIGINT);
        interrupts.OnSignal(second, ExitCode.Interrupted);
        Assert.False(second.Cancel); // not handled: the default action ends the process at once
        Assert.Equal((int)ExitCode.Interrupted, interrupts.ExitCodeOf((int)ExitCode.Interrupted));
    }

    [Fact]
    public void SigtermGivesItsOwnExitCode()
    {
        using var cancel = new CancellationTokenSource();
        var interrupts = new Interrupts(cancel);
        interrupts.OnSignal(new PosixSignalContext(PosixSignal.SIGTERM), ExitCode.Terminated);
        Assert.Equal(143, interrupts.ExitCodeOf((int)ExitCode.Interrupted));
        Assert.Equal(1, interrupts.ExitCodeOf(1)); // a run that failed for its own reason keeps its code
        Assert.Equal(0, new Interrupts(new CancellationTokenSource()).ExitCodeOf(0));
    }
}
