using System.Diagnostics;
using Scat.Tests.Support;

namespace Scat.Tests.Backends.Cpu;

/// <summary>Runs only where a python3 is found (/usr/bin/python3 or on PATH; CI has Debian's).</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (GeneratedCodeTests.Python == null) Skip = "python3 not found";
    }
}

/// <summary>The committed OddCodelets.g.cs is what scripts/gen-odd-codelets.py writes.</summary>
public class GeneratedCodeTests
{
    internal static string? Python =>
        File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "python3")).FirstOrDefault(File.Exists);

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ScatCli.sln"))) return dir.FullName;
        return null;
    }

    [PythonFact]
    public async Task OddCodeletsAreUpToDate()
    {
        string root = RepositoryRoot() ?? throw new InvalidOperationException("the tests run outside the repository");
        string python = Python!;
        using var dir = new TempDir();
        var psi = new ProcessStartInfo(python) { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(root, "scripts", "gen-odd-codelets.py"));
        psi.ArgumentList.Add(dir["codelets.cs"]);
        using (var p = Process.Start(psi)!)
        {
            string err = await p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("the generator did not finish"); }
            Assert.True(p.ExitCode == 0, err);
        }
        string committed = File.ReadAllText(Path.Combine(root, "src", "Scat.Core", "Backends", "Cpu", "OddCodelets.g.cs"));
        Assert.True(committed == File.ReadAllText(dir["codelets.cs"]),
            "src/Scat.Core/Backends/Cpu/OddCodelets.g.cs differs from what scripts/gen-odd-codelets.py writes: run it and commit");
    }
}
