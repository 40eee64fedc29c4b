using System.Runtime.InteropServices;

namespace Scat.Cli;

/// <summary>
/// What SIGINT (Ctrl-C) and SIGTERM do: the first cancels the run (which removes its temporary output and exits with
/// 130 or 143); a second, while the run is cancelling, is left to the default handling, which ends the process at once.
/// </summary>
internal sealed class Interrupts(CancellationTokenSource cancel)
{
    /// <summary>The exit code of the first signal, or <see cref="ExitCode.Success"/> when none came.</summary>
    public ExitCode Signal { get; private set; } = ExitCode.Success;

    public void OnSignal(PosixSignalContext context, ExitCode code)
    {
        if (cancel.IsCancellationRequested) return; // a second signal: the default handling terminates the process
        context.Cancel = true;
        Signal = code;
        cancel.Cancel();
    }

    /// <summary>The process's exit code: the first signal's when the run ended as interrupted, else the run's.</summary>
    public int ExitCodeOf(int exit) => Signal != ExitCode.Success && exit == (int)ExitCode.Interrupted ? (int)Signal : exit;
}
