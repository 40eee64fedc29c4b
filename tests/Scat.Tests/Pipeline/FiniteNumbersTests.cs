using System.Runtime.InteropServices;
using Scat.Formats;
using Scat.Pipeline;
using Scat.Tests.Hardening;
using Scat.Tests.Support;

namespace Scat.Tests.Pipeline;

/// <summary>
/// Issue 22, "numbers are finite, or the image is skipped": an array image holding NaN or ±∞, or whose values are so
/// large that its features overflow float32, is skipped by name with the reason (in order, in --skipped; --strict
/// fails; -o - fails), the others are kept with exact features, and a --log output is finite. Values near 1e18 give
/// finite features: exactly 2^60 times those of the same images divided by 2^60.
/// </summary>
public class FiniteNumbersTests
{
    private const int Count = 6, Side = 32;
    private static readonly float Huge = MathF.ScaleB(1f, 60); // 1.15e18
    private static readonly float Overflowing = MathF.ScaleB(1f, 126); // 8.5e37: the FFT's sums overflow

    /// <summary>Six 1×32×32 images of values in [0, 1), each multiplied by its factor; NaN/∞ put in at one pixel.</summary>
    private static float[] Images(Func<int, float> factor, Func<int, float?>? poke = null)
    {
        var random = new Random(22);
        var x = new float[Count * Side * Side];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble() * factor(i / (Side * Side));
        for (int n = 0; n < Count; n++)
            if (poke?.Invoke(n) is { } v) x[n * Side * Side + 17 * Side + 5] = v;
        return x;
    }

    private static string Write(string path, float[] x)
    {
        using var file = File.Create(path);
        file.Write(NpyFormat.Header(NpyFormat.Float32, Count, 1, Side, Side));
        file.Write(MemoryMarshal.AsBytes(x.AsSpan()));
        return path;
    }

    /// <summary>Batches of 3: [ok, NaN, overflowing], [overflowing, +∞, ok]: skips of both kinds in both orders in a batch.</summary>
    private static string Hostile(TempDir dir) => Write(dir["hostile.npy"], Images(
        n => n is 2 or 3 ? Overflowing : Huge,
        n => n switch { 1 => float.NaN, 4 => float.PositiveInfinity, _ => null }));

    private static BadFiles.Run Extract(params string[] args) =>
        BadFiles.Scat(["extract", .. args, "-J", "2", "-L", "4", "--device", "cpu", "--batch-size", "3"]);

    [Fact]
    public void NotFiniteImagesAreSkippedInOrderAndHugeOnesKeepExactFeatures()
    {
        using var dir = new TempDir();
        var hostile = Hostile(dir);
        var plain = Write(dir["plain.npy"], Images(_ => 1f));
        var run = Extract(hostile, "-o", dir["f.npz"], "--skipped", dir["skipped.tsv"]);
        Assert.True(run.Exit == 0, run.Stderr);
        var reasons = new[] { FiniteStage.NotFiniteInput, FiniteStage.NotFiniteFeatures, FiniteStage.NotFiniteFeatures, FiniteStage.NotFiniteInput };
        var expected = new[] { 1, 2, 3, 4 }.Select((n, i) => $"{hostile}[{n}]\t{reasons[i]}").ToArray();
        Assert.Equal(expected, File.ReadAllLines(dir["skipped.tsv"]));
        Assert.Equal(expected.Select(l => "skipped " + l.Replace("\t", ": ")), BadFiles.Lines(run.Stderr).Where(l => l.StartsWith("skipped ", StringComparison.Ordinal)));
        Assert.Contains("2 images, 4 skipped", run.Stderr);

        var reference = Extract(plain, "-o", dir["plain.npz"], "-q");
        Assert.True(reference.Exit == 0, reference.Stderr);
        var got = NpyFile.ReadNpz(dir["f.npz"]);
        var want = NpyFile.ReadNpz(dir["plain.npz"]);
        Assert.Equal([$"{hostile}[0]", $"{hostile}[5]"], got["paths"].AsStrings());
        var features = got["features"].AsFloat32();
        var all = want["features"].AsFloat32();
        int per = all.Length / Count;
        var kept = all.AsSpan(0, per).ToArray().Concat(all.AsSpan(5 * per, per).ToArray()).ToArray();
        Assert.Equal(kept.Length, features.Length);
        Assert.All(features, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(kept.Select(v => BitConverter.SingleToInt32Bits(v * Huge)), features.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void StrictFailsAtTheFirstNotFiniteImage()
    {
        using var dir = new TempDir();
        var hostile = Hostile(dir);
        var run = Extract(hostile, "-o", dir["f.npz"], "--strict");
        Assert.Equal(1, run.Exit);
        Assert.Equal([$"scat: error: cannot decode {hostile}[1]: {FiniteStage.NotFiniteInput} (--strict)"], BadFiles.Lines(run.Stderr));
        Assert.False(File.Exists(dir["f.npz"]));
    }

    [Fact]
    public void LogOutputIsFinite()
    {
        using var dir = new TempDir();
        var run = Extract(Hostile(dir), "-o", dir["f.npz"], "--log", "--renorm", "-q");
        Assert.True(run.Exit == 0, run.Stderr);
        var features = NpyFile.ReadNpz(dir["f.npz"])["features"].AsFloat32();
        Assert.NotEmpty(features);
        Assert.All(features, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("input")]    // NaN at a pixel: found at decode
    [InlineData("features")] // overflowing values: found after the transform
    public void StandardOutputFailsAtANotFiniteImage(string kind)
    {
        using var dir = new TempDir();
        var x = kind == "input" ? Images(_ => Huge, n => n == 1 ? float.NaN : null) : Images(n => n == 1 ? Overflowing : Huge);
        var file = Write(dir["a.npy"], x);
        var run = Extract(file, "-o", "-");
        Assert.Equal(1, run.Exit);
        var reason = kind == "input" ? FiniteStage.NotFiniteInput : FiniteStage.NotFiniteFeatures;
        Assert.Equal([$"scat: error: cannot decode {file}[1]: {reason} (its header was read, but standard output cannot be corrected once written)"],
            BadFiles.Lines(run.Stderr));
    }
}
