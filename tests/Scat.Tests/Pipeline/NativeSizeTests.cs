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
