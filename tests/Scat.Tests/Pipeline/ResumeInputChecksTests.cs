using Scat.Formats;
using Scat.Tests.Support;

namespace Scat.Tests.Pipeline;

/// <summary>
/// --resume refuses what it cannot trust: another --decode, an array (or tar, Parquet) file rewritten with the same
/// item names, a tar on standard input; and input options of another kind are refused with --files-from too.
/// </summary>
public class ResumeInputChecksTests
{
    private static void WriteArray(string path, int seed)
    {
        var random = new Random(seed);
        var values = new float[20 * 16 * 16];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        using var file = File.Create(path);
        file.Write(NpyFormat.Header(NpyFormat.Float32, 20, 1, 16, 16));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static ChildProcess.Result Run(params string[] args) => ChildProcess.RunScat(["extract", .. args, "-J", "2", "--device", "cpu", "-q"]);

    [Fact]
    public void ResumeRefusesAnArrayFileRewrittenWithTheSameShape()
    {
        using var dir = new TempDir();
        var array = dir["a.npy"];
        WriteArray(array, seed: 0);
        var first = Run(array, "-o", dir["p/p-{part}.npz"], "--part-size", "5");
        Assert.True(first.Exit == 0, first.Stderr);
        File.Delete(dir["p/p-00002.npz"]);
        WriteArray(array, seed: 1);
        File.SetLastWriteTimeUtc(array, DateTime.UtcNow.AddMinutes(1));
        var kept = File.ReadAllBytes(dir["p/p-00000.npz"]);

        var resumed = Run(array, "-o", dir["p/p-{part}.npz"], "--part-size", "5", "--resume");
        Assert.Equal(1, resumed.Exit);
        Assert.Contains("--resume refused", resumed.Stderr);
        Assert.Equal(kept, File.ReadAllBytes(dir["p/p-00000.npz"]));
        Assert.False(File.Exists(dir["p/p-00002.npz"]));
    }

    [Fact]
    public void ResumeRefusesAnotherDecodeMode()
    {
        using var dir = new TempDir();
        var photos = TestData.Path("photos");
        var first = Run(photos, "--size", "32", "-o", dir["p/p-{part}.npz"], "--part-size", "10");
        Assert.True(first.Exit == 0, first.Stderr);
        File.Delete(dir["p/p-00001.npz"]);
        var resumed = Run(photos, "--size", "32", "-o", dir["p/p-{part}.npz"], "--part-size", "10", "--resume", "--decode", "exact");
        Assert.Equal(1, resumed.Exit);
        Assert.Contains("decode", resumed.Stderr);
        Assert.False(File.Exists(dir["p/p-00001.npz"]));
    }

    [Fact]
    public void ResumeRefusesATarOnStandardInputAndInputOptionsOfAnotherKindGoWithFilesFromNeither()
    {
        using var dir = new TempDir();
        var stdin = Run("-", "-o", dir["p/p-{part}.npz"], "--part-size", "10", "--resume");
        Assert.Equal(2, stdin.Exit);
        Assert.Contains("standard input", stdin.Stderr);

        File.WriteAllText(dir["list.txt"], "");
        var list = Run("--files-from", dir["list.txt"], "--image-ext", "jpg", "-o", dir["x.npz"]);
        Assert.Equal(2, list.Exit);
        Assert.Contains("--image-ext applies to tar shard inputs only", list.Stderr);
    }
}
