using System.Runtime.InteropServices;
using Scat.Cli;

// Ctrl-C (SIGINT) and SIGTERM cancel the run, which then removes its temporary output and exits with
// 130 or 143; a second signal while cancelling ends the process at once.
using var cancel = new CancellationTokenSource();
var signal = ExitCode.Success;
void OnSignal(PosixSignalContext context, ExitCode code)
{
    if (cancel.IsCancellationRequested) return; // second signal: default handling terminates
    context.Cancel = true;
    signal = code;
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, ExitCode.Interrupted));
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, ExitCode.Terminated));

int exit = await ScatApp.RunAsync(args, CliConsole.FromProcess(), cancel.Token);
return signal != ExitCode.Success && exit == (int)ExitCode.Interrupted ? (int)signal : exit;
