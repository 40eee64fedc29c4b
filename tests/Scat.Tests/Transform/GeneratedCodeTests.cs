using System.Diagnostics;
using Scat.Tests.Input;

namespace Scat.Tests.Transform;

/// <summary>The committed OddCodelets.g.cs is what scripts/gen-odd-codelets.py writes (run by /usr/bin/python3).</summary>
public class GeneratedCodeTests
{
    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ScatCli.sln"))) return dir.FullName;
        return null;
    }

    [Fact]
    public async Task OddCodeletsAreUpToDate()
    {
        string root = RepositoryRoot() ?? throw new InvalidOperationException("the tests run outside the repository");
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
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
