using System.Diagnostics;

namespace Scat.Tests.Support;

/// <summary>Runs the built tool (scat.dll beside the tests) in a child process.</summary>
public static class ChildProcess
{
    public sealed record Result(int Exit, byte[] Stdout, string Stderr);

    public static string ScatDll => Path.Combine(AppContext.BaseDirectory, "scat.dll");

    public static Result RunScat(IEnumerable<string> args, params (string Name, string Value)[] env)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ScatDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (n, v) in env) psi.Environment[n] = v;
        using var p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("scat did not finish"); }
        copy.Wait();
        return new Result(p.ExitCode, stdout.ToArray(), err.Result);
    }
}
