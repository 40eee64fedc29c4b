using System.Diagnostics;
using Scat.Output;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Hardening;

/// <summary>--no-clobber, missing and unwritable output folders, a full disk.</summary>
public class OutputSafetyTests
{
    [Fact]
    public void NoClobberRefusesAnExistingOutputBeforeAnyWork()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["f.npz"], "precious");
        // The input does not exist: had any work been done, the error would be about it.
        var run = InProcess.Scat("extract", dir["missing"], "-o", dir["f.npz"], "--no-clobber");
        Assert.Equal(1, run.Exit);
        Assert.Equal($"scat: error: {dir["f.npz"]} exists; not replaced (--no-clobber)", Assert.Single(InProcess.Lines(run.Stderr)));
        Assert.Equal("precious", File.ReadAllText(dir["f.npz"]));

        BadFiles.NoisePng(dir["in/a.png"], 8, 8);
        var fresh = InProcess.Scat("extract", dir["in"], "-o", dir["new/g.npy"], "-J", "1", "--no-clobber");
        Assert.True(fresh.Exit == 0, fresh.Stderr);
        Assert.True(File.Exists(dir["new/g.npy"])); // a missing output folder is created
    }

    [Fact]
    public void NoClobberIsCheckedAgainAtTheRename()
    {
        using var dir = new TempDir();
        var meta = new FeatureMetadata(new ScatteringLayout(8, 8, 1, 2, 2), 1, []);
        foreach (var path in new[] { dir["f.npy"], dir["f.npz"] })
        {
            using (var writer = FeatureWriters.ForFile(path, overwrite: false))
            {
                writer.Begin(meta);
                writer.WriteBatch(new float[meta.FloatsPerImage], [0], ["a.png"]);
                File.WriteAllText(path, "appeared meanwhile");
                var e = Assert.Throws<ScatException>(writer.Complete);
                Assert.Contains("not replaced (--no-clobber)", e.Message);
            }
            Assert.Equal("appeared meanwhile", File.ReadAllText(path));
        }
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // no temporary left
    }

    [Fact]
    public void UnwritableOutputFolderGivesOneLine()
    {
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/a.png"], 8, 8);
        File.WriteAllText(dir["file"], "a file, not a folder");
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["file/sub/f.npz"], "-J", "1", "--device", "cpu");
        Assert.Equal(1, run.Exit);
        var line = Assert.Single(InProcess.Lines(run.Stderr), l => l.StartsWith("scat: error:", StringComparison.Ordinal));
        Assert.StartsWith($"scat: error: cannot write {dir["file/sub/f.npz"]}: ", line);
        Assert.DoesNotContain("internal error", run.Stderr);
    }

    [PermissionFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void DeniedOutputFolderGivesOneLine()
    {
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/a.png"], 8, 8);
        Directory.CreateDirectory(dir["ro"]);
        File.SetUnixFileMode(dir["ro"], UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var denied = InProcess.Scat("extract", dir["in"], "-o", dir["ro/f.npz"], "-J", "1", "--device", "cpu");
        Assert.Equal(1, denied.Exit);
        Assert.Contains($"scat: error: cannot write {dir["ro/f.npz"]}: ", denied.Stderr);
        Assert.Empty(Directory.GetFiles(dir["ro"]));
    }

    [TmpfsFact]
    public void FullDiskGivesOneLineAndNoPartialFile()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["disk"]);
        Assert.True(TmpfsFactAttribute.Mount(dir["disk"]), "mounting a 1 MiB tmpfs worked in the probe but not now");
        try
        {
            // 30 images of 64x64 at J = 1, L = 8: 30 x 110 KiB of features, over the 1 MiB disk.
            for (int i = 0; i < 30; i++) BadFiles.NoisePng(dir[$"in/{i:00}.png"], 64, 64, seed: i);
            foreach (var name in new[] { "f.npz", "f.npy" })
            {
                var run = InProcess.Scat("extract", dir["in"], "-o", dir[$"disk/{name}"], "-J", "1", "--device", "cpu");
                Assert.Equal(1, run.Exit);
                var line = Assert.Single(InProcess.Lines(run.Stderr), l => l.StartsWith("scat: error:", StringComparison.Ordinal));
                Assert.Equal($"scat: error: cannot write {dir[$"disk/{name}"]}: No space left on device", line);
                Assert.Empty(Directory.EnumerateFileSystemEntries(dir["disk"]));
            }
        }
        finally
        {
            Process.Start("umount", dir["disk"]).WaitForExit();
        }
    }
}
