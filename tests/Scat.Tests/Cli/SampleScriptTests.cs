using System.Diagnostics;
using Scat.Tests.Support;

namespace Scat.Tests.Cli;

/// <summary>The sample scripts and the CI helper scripts fail in one line, and slurm-down stops what slurm-up started.</summary>
public class SampleScriptTests
{
    private const string Python = ExternalTools.SystemPython;

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [SklearnFact]
    public void ClassifyScriptsWithoutScatPrintOneLineOfHelp()
    {
        using var dir = new TempDir();
        (string, string?)[] env = [("SCAT", null), ("PATH", dir.Path)]; // a PATH without scat
        foreach (var sample in new[] { "digits", "textures" })
        {
            var run = ChildProcess.Run(Python, [Path.Combine(TestData.RepoRoot, "samples", sample, "classify.py")], env: env);
            Assert.NotEqual(0, run.Exit);
            Assert.Empty(run.Out);
            var line = Assert.Single(Lines(run.Err));
            Assert.Equal("classify.py: error: scat is not on PATH: install scat (bash scripts/install.sh && "
                + "export PATH=\"$PATH:$HOME/.dotnet/tools\") or set SCAT, e.g. SCAT=\"dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll\"", line);
        }
        // A $SCAT that names nothing runnable is named.
        var bad = ChildProcess.Run(Python, [Path.Combine(TestData.RepoRoot, "samples", "digits", "classify.py")],
            env: [("SCAT", "no-such-scat --flag"), ("PATH", dir.Path)]);
        Assert.NotEqual(0, bad.Exit);
        Assert.StartsWith("classify.py: error: $SCAT names 'no-such-scat': ", Assert.Single(Lines(bad.Err)));
    }

    [NumpyFact]
    public void ReadShardsWithoutShardsPrintsOneLine()
    {
        using var dir = new TempDir();
        var run = ChildProcess.Run(Python, [Path.Combine(TestData.RepoRoot, "samples", "read-shards.py"), Path.Combine(dir.Path, "feats-*.parquet")]);
        Assert.Equal(1, run.Exit);
        Assert.StartsWith("read-shards.py: error: no file matches ", Assert.Single(Lines(run.Err)));
    }

    [LinuxFact]
    public void SlurmDownStopsWhatSlurmUpListedAndNothingElse()
    {
        using var dir = new TempDir();
        // Two stand-in daemons (sleep) with pid files, as slurm-up lists them; the second listed under another name,
        // as when a pid was reused by an unrelated process: slurm-down must leave that one alone.
        using var mine = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        using var other = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            File.WriteAllText(dir["sleep.pid"], $"{mine.Id}\n");
            File.WriteAllText(dir["other.pid"], $"{other.Id}\n");
            File.WriteAllText(dir["started"], $"sleep {dir["sleep.pid"]}\nslurmd {dir["other.pid"]}\nmunged {dir["missing.pid"]}\n");
            (string, string?)[] env = [("SCAT_SLURM_STATE", dir["started"])];
            var down = ChildProcess.Run("bash", [Path.Combine(TestData.RepoRoot, ".ci", "slurm-down")], env: env);
            Assert.True(down.Exit == 0, down.Err);
            Assert.True(mine.WaitForExit(10_000), "the listed daemon was not stopped");
            Assert.False(other.HasExited, "a process of another name was stopped");
            Assert.False(File.Exists(dir["started"]), "the list of started daemons was not removed");
            Assert.Contains("slurmd is not running", down.Err);

            var again = ChildProcess.Run("bash", [Path.Combine(TestData.RepoRoot, ".ci", "slurm-down")], env: env);
            Assert.Equal(0, again.Exit); // nothing listed: nothing to do
            Assert.Empty(again.Err);
        }
        finally
        {
            if (!mine.HasExited) mine.Kill();
            if (!other.HasExited) other.Kill();
        }
    }
}
