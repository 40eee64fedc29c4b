using System.Diagnostics;

namespace Scat.Tests.Support;

/// <summary>Runs a program in a child process: the built tool (scat.dll beside the tests) or a reference program.</summary>
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

    /// <summary>Runs <paramref name="program"/> to its end (killed after <paramref name="timeoutMs"/>) and returns its
    /// exit code and text output; <paramref name="env"/> sets variables (a null value removes one).</summary>
    public static (int Exit, string Out, string Err) Run(string program, IEnumerable<string> args, string? workingDirectory = null,
        int timeoutMs = 180_000, params (string Name, string? Value)[] env)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
