using System.Diagnostics;
using System.Runtime.InteropServices;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>SIGINT and SIGTERM sent to a running <c>scat extract</c> child process.</summary>
public class InterruptTests
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private const int SigInt = 2, SigTerm = 15;

    [UnixTheory]
    [InlineData(SigInt, 130)]
    [InlineData(SigTerm, 143)]
    public async Task SignalStopsTheRunAndLeavesNoOutput(int signal, int expectedExit)
    {
        using var dir = new TempDir();
        for (int i = 0; i < 500; i++) BadFiles.NoisePng(dir[$"in/{i:0000}.png"], 64, 64, seed: i);
        var output = dir["out/f.npz"];

        // env restores SIGINT's default disposition: a child of a non-interactive shell may inherit it ignored,
        // and .NET then installs no handler for it.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", ChildProcess.ScatDll, "extract", dir["in"], "-o", output,
                     "--threads", "1", "-J", "3", "--batch-size", "8", "--device", "cpu" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        try
        {
            // Wait until the writer has begun (its temporary file is beside the output): the run is under way.
            var started = Stopwatch.StartNew();
            while (BadFiles.Temporaries(dir["out"]).Length == 0)
            {
                if (p.HasExited) Assert.Fail($"scat ended before the signal: {await stderr}");
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "the run did not start writing");
                await Task.Delay(20);
            }
            var clock = Stopwatch.StartNew();
            Assert.Equal(0, Kill(p.Id, signal));
            Assert.True(p.WaitForExit(15_000), "scat did not stop within 15 s of the signal");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15));
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        var errors = await stderr;
        Assert.True(expectedExit == p.ExitCode, $"exit {p.ExitCode}: {errors}");
        Assert.Contains("scat: error: interrupted; no output written", errors);
        Assert.Equal("", await stdout);
        Assert.False(File.Exists(output));
        Assert.Empty(BadFiles.Temporaries(dir["out"]));
        Assert.False(Directory.Exists(dir["out"]) && Directory.EnumerateFileSystemEntries(dir["out"]).Any());
    }
}
