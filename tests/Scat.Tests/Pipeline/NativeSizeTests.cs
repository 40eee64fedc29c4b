using System.Text.Json;
using Scat.Tests.Cli;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;

namespace Scat.Tests.Pipeline;

/// <summary>
/// Images at their own sizes, without --size (issue 21), against Kymatio's Scattering2D(J, shape=(H, W)) on each
/// image (data/native/mixed_rgb_J2_L4, made by scripts/gen-native-size-references.py): RGB images of five sizes,
/// two of them of one padded size with different pads, two of one size, and one too small for J.
/// </summary>
public class NativeSizeTests
{
    private static readonly string Case = TestData.Path("native", "mixed_rgb_J2_L4");
    private static readonly Dictionary<string, NpyArray> Ref = NpyFile.ReadNpz(Path.Combine(Case, "ref.npz"));
    private static int J => (int)Ref["J"].ScalarInt();
    private static int L => (int)Ref["L"].ScalarInt();
    private static string[] Paths => Ref["paths"].AsStrings();

    private static ChildProcess.Result Extract(string output, params string[] more) =>
        ChildProcess.RunScat(["extract", Path.Combine(Case, "images"), "-o", output, "-J", J.ToString(), "-L", L.ToString(),
            "--device", "cpu", "--batch-size", "3", .. more]);

    private static void AssertTinySkipped(string stderr)
    {
        var line = Assert.Single(stderr.Split('\n'), l => l.StartsWith("skipped ", StringComparison.Ordinal));
        Assert.Contains("img_2_tiny.png: J=2 needs images of at least 4 pixels on each side", line);
        Assert.Contains("got height 3, width 9", line);
    }

    [Fact]
    public void PooledFeaturesOfMixedSizesMatchKymatioOnEachImage()
    {
        using var dir = new TempDir();
        var run = Extract(dir["f.npz"], "--pool", "mean");
        Assert.True(run.Exit == 0, run.Stderr);
        AssertTinySkipped(run.Stderr);
        var z = NpyFile.ReadNpz(dir["f.npz"]);
        var features = z["features"];
        int k = ScatteringLayout.ChannelCount(J, L, 2);
        Assert.Equal([Paths.Length, 3, k], features.Shape);
        Assert.Equal(Paths, z["paths"].AsStrings().Select(Path.GetFileName));
        var all = features.AsFloat32();
        for (int i = 0; i < Paths.Length; i++)
        {
            var expected = Ref[$"P{i}"].AsFloat32();
            double worst = Agreement.WorstRelative(all.AsSpan(i * 3 * k, 3 * k), expected, k, 1, out int channel);
            Assert.True(worst <= 1e-5, $"{Paths[i]}: channel {channel} differs by {worst:E3}");
        }
    }

    [NpmFact]
    public void UnpooledToParquetEachRowHasItsShapeAndKymatiosValuesAsDuckDbReadsThem()
    {
        using var dir = new TempDir();
        var run = Extract(dir["f.parquet"]);
        Assert.True(run.Exit == 0, run.Stderr);
        AssertTinySkipped(run.Stderr);
        var duck = ChildProcess.Run("node", [Path.Combine(ExternalReaderTests.DuckDbFolder.Value, "check.mjs"), dir["f.parquet"]],
            ExternalReaderTests.DuckDbFolder.Value);
        Assert.True(duck.Exit == 0, duck.Err);
        var doc = JsonDocument.Parse(duck.Out).RootElement;
        var rows = doc.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(Paths, rows.Select(r => Path.GetFileName(r.GetProperty("path").GetString()!)));
        int k = ScatteringLayout.ChannelCount(J, L, 2);
        for (int i = 0; i < rows.Count; i++)
        {
            var s = Ref[$"S{i}"];
            Assert.Equal(s.Shape.Select(d => (long)d), rows[i].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            var values = rows[i].GetProperty("features").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            double worst = Agreement.WorstRelative(values, s.AsFloat32(), k, s.Shape[2] * s.Shape[3], out int channel);
            Assert.True(worst <= ReferenceTests.Tolerance, $"{Paths[i]}: channel {channel} differs by {worst:E3}");
        }
        // The rows differ in shape: the file's feature_shape and size are null.
        var meta = JsonDocument.Parse(doc.GetProperty("metadata")[0].GetProperty("value").GetString()!).RootElement;
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("feature_shape").ValueKind);
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("size").ValueKind);
    }

    [Fact]
    public void ParquetOfOneSizeHasTheShapeColumnAndTheCommonShape()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 24, 24);
        Fixtures.Png(dir["in/b.png"], 24, 24);
        var run = ChildProcess.RunScat(["extract", dir["in"], "-o", dir["f.parquet"], "-J", "2", "-L", "4", "--device", "cpu", "--pool", "max"]);
        Assert.True(run.Exit == 0, run.Stderr);
        var info = ChildProcess.RunScat(["info", "--json", dir["f.parquet"]]);
        var doc = JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(info.Stdout)).RootElement;
        Assert.Equal([3L, 25L], doc.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([24, 24], doc.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void UnpooledNpzOfMixedSizesIsRefusedFromTheHeadersNamingTheWaysOut()
    {
        using var dir = new TempDir();
        foreach (var output in new[] { dir["f.npz"], dir["f.npy"] })
        {
            var run = Extract(output);
            Assert.Equal(2, run.Exit);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("scat: error:", StringComparison.Ordinal));
            Assert.Contains("img_1.png is height 21, width 28 but the images before it are height 20, width 28", line);
            foreach (var way in new[] { "--pool", "--size", ".parquet" }) Assert.Contains(way, line);
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}

/// <summary>
/// Images at their own sizes are grouped by size within a batch (the batch is the reordering window) and the sizes
/// run side by side: the features must be those of each image alone, in listing order.
/// </summary>
public class NativeSizeGroupingTests
{
    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void ImagesOfInterleavedSizesGiveTheBytesOfEachImageAlone(string threads)
    {
        using var dir = new TempDir();
        // Sizes A B A C B A (height x width), each image its own pixels.
        var sizes = new[] { (20, 28), (24, 20), (20, 28), (17, 33), (24, 20), (20, 28) };
        for (int i = 0; i < sizes.Length; i++)
        {
            var (h, w) = sizes[i];
            Fixtures.Png(dir[$"in/{i}.png"], w, h, (x, y) => new SixLabors.ImageSharp.PixelFormats.Rgba32((byte)(x * (i + 3) + y * 7), (byte)(y * (i + 1)), (byte)(x ^ y ^ i), 255));
        }
        string[] Args(string output, string batch) =>
            ["extract", dir["in"], "-o", output, "-J", "2", "-L", "4", "--pool", "mean", "--device", "cpu", "--threads", threads, "--batch-size", batch, "-q"];
        var together = InProcess.Scat(Args(dir["together.npy"], "6"));
        Assert.True(together.Exit == 0, together.Stderr);
        var alone = InProcess.Scat(Args(dir["alone.npy"], "1"));
        Assert.True(alone.Exit == 0, alone.Stderr);
        var a = NpyFile.Read(dir["together.npy"]);
        var b = NpyFile.Read(dir["alone.npy"]);
        Assert.Equal(6, a.Shape[0]);
        Assert.Equal(b.Shape, a.Shape);
        Assert.True(a.AsFloat32().AsSpan().SequenceEqual(b.AsFloat32()), "a batch of interleaved sizes differs from each image alone");
        // and the rows are the images' own: no two images share features
        var f = a.AsFloat32();
        int per = f.Length / 6;
        Assert.False(f.AsSpan(0, per).SequenceEqual(f.AsSpan(2 * per, per)));
    }
}
