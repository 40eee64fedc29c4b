using System.Diagnostics;
using System.Text.Json;
using Scat.Formats;
using Scat.Output;
using Scat.Tests.Cli;
using Scat.Tests.Hardening;
using Scat.Tests.Support;

namespace Scat.Tests.Pipeline;

/// <summary>A small --part-size run for the issue 22 tests: 12 gray 16×16 images in two classes, NPY parts.</summary>
internal static class SmallParts
{
    public const int Images = 12;

    public static string Input(TempDir dir)
    {
        for (int i = 0; i < Images; i++) BadFiles.NoisePng(dir[$"in/{i % 2}/{i:00}.png"], 16, 16, seed: i);
        return dir["in"];
    }

    public static string[] Args(TempDir dir, int partSize, params string[] extra) =>
        ["extract", dir["in"], "-o", dir["out/p-{part}.npy"], "--part-size", $"{partSize}", "--color", "gray", "-J", "1", "--device", "cpu", .. extra];

    /// <summary>The rows of every NPY part in name order, as the README's recipe reads them (sorted glob of part-*.npy).</summary>
    public static List<string> GlobbedPaths(string folder) =>
        Directory.GetFiles(folder, "p-*.npy").Order(StringComparer.Ordinal)
            .SelectMany(f => NpyFile.ReadNpz(f[..^4] + ".meta.npz")["paths"].AsStrings()).ToList();
}

/// <summary>
/// Issue 22: what a --part-size run does to its folder. A fresh run removes the parts of an earlier run that its
/// manifest does not list (names of its own pattern only); one run per output folder at a time (the lock), a
/// stale lock taken over.
/// </summary>
public class PartFolderTests
{
    [Fact]
    public void AFreshRunRemovesTheEarlierRunsPartsItsManifestDoesNotList()
    {
        using var dir = new TempDir();
        SmallParts.Input(dir);
        var single = BadFiles.Scat("extract", dir["in"], "-o", dir["single.npz"], "--color", "gray", "-J", "1", "--device", "cpu", "-q");
        Assert.True(single.Exit == 0, single.Stderr);
        var first = BadFiles.Scat([.. SmallParts.Args(dir, 2), "-q"]); // 6 parts
        Assert.True(first.Exit == 0, first.Stderr);
        File.WriteAllText(dir["out/q-00009.npy"], "another pattern's file");
        File.WriteAllText(dir["out/p-00009.txt"], "another extension");

        var second = BadFiles.Scat(SmallParts.Args(dir, 5)); // 3 parts
        Assert.True(second.Exit == 0, second.Stderr);
        Assert.Contains("removed 12 part files in", second.Stderr); // the 6 parts and their sidecars
        var names = Directory.GetFileSystemEntries(dir["out"]).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["MANIFEST.json", "p-00000.meta.npz", "p-00000.npy", "p-00001.meta.npz", "p-00001.npy", "p-00002.meta.npz", "p-00002.npy",
            "p-00009.txt", "q-00009.npy"], names);
        // The parts in name order hold exactly the run's rows, those of the single-file run.
        var expected = NpyFile.ReadNpz(dir["single.npz"]);
        Assert.Equal(expected["paths"].AsStrings(), SmallParts.GlobbedPaths(dir["out"]));
        var features = Directory.GetFiles(dir["out"], "p-*.npy").Order(StringComparer.Ordinal).SelectMany(f => NpyFile.Read(f).Data).ToArray();
        Assert.Equal(expected["features"].Data, features);
    }

    [NumpyFact]
    public void TheReadmeGlobRecipeGivesExactlyTheRunsRows()
    {
        using var dir = new TempDir();
        SmallParts.Input(dir);
        Assert.Equal(0, BadFiles.Scat("extract", dir["in"], "-o", dir["single.npz"], "--color", "gray", "-J", "1", "--device", "cpu", "-q").Exit);
        Assert.Equal(0, BadFiles.Scat([.. SmallParts.Args(dir, 2), "-q"]).Exit);
        Assert.Equal(0, BadFiles.Scat([.. SmallParts.Args(dir, 5), "-q"]).Exit);
        var code = """
            import glob, sys, numpy as np
            folder, single = sys.argv[1], sys.argv[2]
            ref = np.load(single, allow_pickle=False)
            x = np.concatenate([np.load(f, allow_pickle=False) for f in sorted(glob.glob(folder + '/p-*.npy'))])
            assert x.tobytes() == ref['features'].tobytes(), (x.shape, ref['features'].shape)
            print('ok', x.shape[0])
            """;
        var r = NumpyLoadTests.RunPython(code, dir["out"], dir["single.npz"]);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Equal($"ok {SmallParts.Images}", r.Out.Trim());
    }

    [Fact]
    public void ALockHeldByALiveRunIsRefusedWithOneLine()
    {
        using var dir = new TempDir();
        SmallParts.Input(dir);
        using (OutputLock.Acquire(dir["out/MANIFEST.json"]))
        {
            // Another process: the flock is held, and the file names this test process.
            var run = ChildProcess.RunScat(SmallParts.Args(dir, 5));
            Assert.Equal(1, run.Exit);
            Assert.Equal($"scat: error: another scat run (pid {Environment.ProcessId} on {Environment.MachineName}) is writing into {dir["out"]} (lock .MANIFEST.json.lock): wait for it to end",
                Assert.Single(BadFiles.Lines(run.Stderr)));
            Assert.Equal([".MANIFEST.json.lock"], Directory.GetFileSystemEntries(dir["out"]).Select(Path.GetFileName));
        }
        Assert.False(File.Exists(dir["out/.MANIFEST.json.lock"])); // released: deleted

        // A lock file naming a live process with its start time is refused even without the flock.
        using var sleeper = Process.Start("sleep", "120");
        try
        {
            var holder = new OutputLock.Holder(sleeper.Id, OutputLock.Holder.StartTimeOf(sleeper.Id)!.Value, Environment.MachineName);
            File.WriteAllText(dir["out/.MANIFEST.json.lock"], holder + "\n");
            var run = BadFiles.Scat(SmallParts.Args(dir, 5));
            Assert.Equal(1, run.Exit);
            Assert.Contains($"another scat run (pid {sleeper.Id} on", Assert.Single(BadFiles.Lines(run.Stderr)));
            Assert.Equal([".MANIFEST.json.lock"], Directory.GetFileSystemEntries(dir["out"]).Select(Path.GetFileName));
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [Fact]
    public void AStaleLockOfAnEndedRunIsTakenOver()
    {
        using var dir = new TempDir();
        SmallParts.Input(dir);
        Directory.CreateDirectory(dir["out"]);
        // A killed run's pid, now ended; then a live pid (this test process) with another start time: a reused pid.
        using var ended = Process.Start("true");
        ended.WaitForExit();
        var self = OutputLock.Holder.StartTimeOf(Environment.ProcessId)!.Value;
        foreach (var (pid, start) in new[] { (ended.Id, 1L), (Environment.ProcessId, self + 1) })
        {
            File.WriteAllText(dir["out/.MANIFEST.json.lock"], new OutputLock.Holder(pid, start, Environment.MachineName) + "\n");
            var run = ChildProcess.RunScat(SmallParts.Args(dir, 5));
            Assert.True(run.Exit == 0, run.Stderr);
            Assert.Contains($"took over the lock {dir["out/.MANIFEST.json.lock"]} of an ended run (pid {pid})", run.Stderr);
            Assert.False(File.Exists(dir["out/.MANIFEST.json.lock"]));
            Assert.True(JsonDocument.Parse(File.ReadAllBytes(dir["out/MANIFEST.json"])).RootElement.GetProperty("complete").GetBoolean());
        }
    }

    [Fact]
    public async Task TwoRunsIntoOneFolderAtOnceNeverBreakEachOther()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 120; i++) BadFiles.NoisePng(dir[$"in/{i % 3}/{i:000}.png"], 16, 16, seed: i);
        var reference = BadFiles.Scat([.. SmallParts.Args(dir, 10, "--threads", "1", "-q")]);
        Assert.True(reference.Exit == 0, reference.Stderr);
        var expected = Directory.GetFiles(dir["out"]).Where(f => !f.EndsWith(".json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        for (int round = 0; round < 3; round++)
        {
            Directory.Delete(dir["out"], recursive: true);
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(() => ChildProcess.RunScat(SmallParts.Args(dir, 10, "--threads", "1", "-q")))).ToArray();
            var results = await Task.WhenAll(runs);
            Assert.Contains(results, r => r.Exit == 0);
            foreach (var r in results.Where(r => r.Exit != 0))
            {
                Assert.Equal(1, r.Exit);
                // The pid is named unless the refused run looked between the holder's lock and its writing it.
                Assert.Matches(@"^scat: error: another scat run( \(pid \d+ on .+\))? is writing into ", Assert.Single(BadFiles.Lines(r.Stderr)));
            }
            Assert.Empty(BadFiles.Temporaries(dir["out"]));
            var got = Directory.GetFiles(dir["out"]).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
            Assert.Equal(expected.Keys.Order(), got.Keys.Order());
            foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(got[name]), $"round {round}: {name} differs");
        }
    }
}
