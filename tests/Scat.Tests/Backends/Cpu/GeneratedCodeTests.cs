using System.Diagnostics;
using Scat.Tests.Support;

namespace Scat.Tests.Backends.Cpu;

/// <summary>The committed OddCodelets.g.cs is what scripts/gen-odd-codelets.py writes.</summary>
public class GeneratedCodeTests
{
    [PythonFact]
    public async Task OddCodeletsAreUpToDate()
    {
        string root = TestData.RepoRoot;
        string python = ExternalTools.Python!;
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
