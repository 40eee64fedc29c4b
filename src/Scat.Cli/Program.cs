using System.Runtime.InteropServices;
using Scat.Cli;

// Ctrl-C (SIGINT) and SIGTERM cancel the run, which then removes its temporary output and exits with
// 130 or 143; a second signal while cancelling ends the process at once (Interrupts).
using var cancel = new CancellationTokenSource();
var interrupts = new Interrupts(cancel);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => interrupts.OnSignal(c, ExitCode.Interrupted));
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => interrupts.OnSignal(c, ExitCode.Terminated));

int exit = await ScatApp.RunAsync(args, CliConsole.FromProcess(), cancel.Token);
return interrupts.ExitCodeOf(exit);
