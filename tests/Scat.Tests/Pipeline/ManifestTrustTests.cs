using System.Text.Json.Nodes;
using Scat.Output;
using Scat.Tests.Hardening;
using Scat.Tests.Support;

namespace Scat.Tests.Pipeline;

/// <summary>
/// Issue 22, "the manifest is input too": its schema validated (one line, never an internal error), every path it
/// names confined to the output folder (no "..", absolute path or link out), only regular files hashed, ranges
/// and rows recomputed rather than copied, a damaged sidecar named as the sidecar, hashing stopped by an interrupt.
/// </summary>
public class ManifestTrustTests
{
    /// <summary>A finished run of 3 NPY parts of 5, 5 and 2 images in <c>out/</c>; returns the manifest as JSON.</summary>
    private static JsonNode Finished(TempDir dir)
    {
        SmallParts.Input(dir);
        var run = BadFiles.Scat([.. SmallParts.Args(dir, 5), "-q"]);
        Assert.True(run.Exit == 0, run.Stderr);
        return JsonNode.Parse(File.ReadAllText(dir["out/MANIFEST.json"]))!;
    }

    private static void Save(TempDir dir, JsonNode manifest) => File.WriteAllText(dir["out/MANIFEST.json"], manifest.ToJsonString());

    private static BadFiles.Run Resume(TempDir dir) => BadFiles.Scat(SmallParts.Args(dir, 5, "--resume"));

    [Theory]
    [InlineData("inputs", null)]
    [InlineData("listing", null)]
    [InlineData("options", null)]
    [InlineData("parts", null)]
    [InlineData("parts/0", null)]
    [InlineData("parts/1/file", null)]
    [InlineData("parts/1/xxh128", null)]
    [InlineData("parts/1/rows", null)]
    [InlineData("parts/1/index", "7")]
    [InlineData("parts/2/index", "0")]
    [InlineData("parts/1/bytes", "-1")]
    [InlineData("parts/1/xxh128", "\"zz\"")]
    [InlineData("part_size", "99999999999")]
    [InlineData("part_count", "-4")]
    [InlineData("manifest_version", "2")]
    [InlineData("listing/xxh128", "[]")]
    public void AManifestWithNullOrWrongFieldsIsRefusedWithOneLine(string field, string? json)
    {
        using var dir = new TempDir();
        var m = Finished(dir);
        var path = field.Split('/');
        JsonNode parent = m;
        foreach (var step in path[..^1]) parent = int.TryParse(step, out var i) ? parent[i]! : parent[step]!;
        var value = json is null ? null : JsonNode.Parse(json);
        if (int.TryParse(path[^1], out var at)) parent.AsArray()[at] = value;
        else parent[path[^1]] = value;
        Save(dir, m);
        var parts = Directory.GetFiles(dir["out"]).ToDictionary(f => f, File.ReadAllBytes);

        var run = Resume(dir);
        Assert.True(run.Exit == 1, $"exit {run.Exit}: {run.Stderr}");
        var line = Assert.Single(BadFiles.Lines(run.Stderr));
        Assert.Matches($"^scat: error: --resume refused: (cannot read the manifest|the manifest) {System.Text.RegularExpressions.Regex.Escape(dir["out/MANIFEST.json"])}.*: rerun without --resume to start over$", line);
        foreach (var (f, bytes) in parts) Assert.Equal(bytes, File.ReadAllBytes(f)); // nothing touched
    }

    [Fact]
    public void ManifestPathsOutsideTheFolderAreRefusedAndNeverHashed()
    {
        using var dir = new TempDir();
        var m = Finished(dir);
        // A decoy outside the folder with the checksum the manifest records for it: today's --resume called the part done.
        File.Copy(dir["out/p-00001.meta.npz"], dir["decoy.meta.npz"]);
        File.Delete(dir["out/p-00001.meta.npz"]);
        var decoyTime = File.GetLastWriteTimeUtc(dir["decoy.meta.npz"]);
        foreach (var name in new[] { "../decoy.meta.npz", dir["decoy.meta.npz"], "sub/../../decoy.meta.npz", "/dev/zero" })
        {
            m["parts"]![1]!["sidecar"] = name;
            Save(dir, m);
            var run = Resume(dir);
            Assert.True(run.Exit == 1, $"{name}: exit {run.Exit}: {run.Stderr}");
            Assert.Contains($"part 1: sidecar '{name}' is not a plain file name in the output folder", Assert.Single(BadFiles.Lines(run.Stderr)));
        }
        // The right name, but a link out of the folder.
        m["parts"]![1]!["sidecar"] = "p-00001.meta.npz";
        Save(dir, m);
        File.CreateSymbolicLink(dir["out/p-00001.meta.npz"], dir["decoy.meta.npz"]);
        var linked = Resume(dir);
        Assert.Equal(1, linked.Exit);
        Assert.Contains("part 1: sidecar p-00001.meta.npz is a symbolic link", Assert.Single(BadFiles.Lines(linked.Stderr)));
        Assert.Equal(decoyTime, File.GetLastWriteTimeUtc(dir["decoy.meta.npz"]));

        // Without --resume the run starts over: the link is removed (not followed), the decoy kept.
        var fresh = BadFiles.Scat([.. SmallParts.Args(dir, 5), "-q"]);
        Assert.True(fresh.Exit == 0, fresh.Stderr);
        Assert.Null(new FileInfo(dir["out/p-00001.meta.npz"]).LinkTarget);
        Assert.Equal(decoyTime, File.GetLastWriteTimeUtc(dir["decoy.meta.npz"]));
    }

    [Fact]
    public void ADevZeroOrPipeSidecarDoesNotHangResume()
    {
        using var dir = new TempDir();
        var m = Finished(dir);
        // Today: a sidecar "/dev/zero" of 0 bytes is hashed forever. Refused (not a plain name) in a child process, whose
        // runner gives up after 120 s.
        m["parts"]![0]!["sidecar"] = "/dev/zero";
        m["parts"]![0]!["sidecar_bytes"] = 0;
        Save(dir, m);
        var run = ChildProcess.RunScat(SmallParts.Args(dir, 5, "--resume"));
        Assert.Equal(1, run.Exit);
        Assert.Contains("sidecar '/dev/zero' is not a plain file name", run.Stderr);

        // A named pipe in the sidecar's place is not a regular file: the part is redone, the pipe never opened.
        m = Finished(dir);
        File.Delete(dir["out/p-00000.meta.npz"]);
        Assert.Equal(0, System.Diagnostics.Process.Start("mkfifo", dir["out/p-00000.meta.npz"]).WaitForExitAndCode());
        var resumed = ChildProcess.RunScat(SmallParts.Args(dir, 5, "--resume"));
        Assert.True(resumed.Exit == 0, resumed.Stderr);
        Assert.Contains("part 0 (p-00000.npy) has a sidecar p-00000.meta.npz that is not a regular file: redoing it", resumed.Stderr);
        Assert.True(File.Exists(dir["out/p-00000.meta.npz"]));
        Assert.Equal(5, NpyFile.ReadNpz(dir["out/p-00000.meta.npz"])["paths"].AsStrings().Length);
    }

    [Fact]
    public void RangesAndRowsAreRecomputedNotCopied()
    {
        using var dir = new TempDir();
        var m = Finished(dir);
        var good = m["parts"]!.ToJsonString();
        m["parts"]![1]!["first"] = 999;
        m["parts"]![1]!["end"] = 3;
        m["parts"]![1]!["rows"] = 1;
        m["parts"]![1]!["skipped"] = 77;
        m["parts"]![2]!["rows"] = 4000;
        Save(dir, m);
        var run = Resume(dir);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("all 3 parts are done", run.Stderr);
        // The manifest written back holds the plan's ranges and the parts' own row counts.
        Assert.Equal(good, JsonNode.Parse(File.ReadAllText(dir["out/MANIFEST.json"]))!["parts"]!.ToJsonString());
    }

    [Fact]
    public void ADamagedSidecarIsNamedAsTheSidecar()
    {
        using var dir = new TempDir();
        Finished(dir);
        var sidecar = dir["out/p-00001.meta.npz"];
        var bytes = File.ReadAllBytes(sidecar);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(sidecar, bytes);
        var run = Resume(dir);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("part 1 (p-00001.npy) has a sidecar p-00001.meta.npz that has a wrong checksum: redoing it", run.Stderr);
        Assert.Contains("resuming: 2 of 3 parts are done, 1 to compute", run.Stderr);
    }

    [Fact]
    public void HashingAPartStopsAtAnInterrupt()
    {
        using var dir = new TempDir();
        using (var s = File.Create(dir["big"])) s.SetLength(64L << 20);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => PartChecksum.OfFile(dir["big"], cancelled.Token));
        Assert.Equal(32, PartChecksum.OfFile(dir["big"]).Length);
    }
}

internal static class ProcessExtensions
{
    public static int WaitForExitAndCode(this System.Diagnostics.Process p)
    {
        using (p)
        {
            p.WaitForExit();
            return p.ExitCode;
        }
    }
}
