using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;

namespace Scat.Tests.Pipeline;

/// <summary>
/// --tile and --tile-stride (issue 21) against Kymatio on each tile's crop (data/native/tiles_gray_J2_L4, made by
/// scripts/gen-native-size-references.py): two gray photos of different sizes, tiles of height 16, width 20.
/// </summary>
public class TileTests
{
    private static readonly string Case = TestData.Path("native", "tiles_gray_J2_L4");
    private static readonly Dictionary<string, NpyArray> Ref = NpyFile.ReadNpz(Path.Combine(Case, "ref.npz"));

    private static ChildProcess.Result Extract(string output, params string[] more) =>
        ChildProcess.RunScat(["extract", Path.Combine(Case, "images"), "-o", output, "-J", "2", "-L", "4", "--color", "gray",
            "--device", "cpu", "--batch-size", "4", "--tile", "16x20", .. more]);

    private static string[] Stride(string tiling) => tiling == "overlap" ? ["--tile-stride", "8x10"] : [];

    [Theory]
    [InlineData("plain")]
    [InlineData("overlap")]
    public void EachTileIsKymatioOnItsCropWithItsCornerAndPath(string tiling)
    {
        using var dir = new TempDir();
        var run = Extract(dir["f.npz"], Stride(tiling));
        Assert.True(run.Exit == 0, run.Stderr);
        var z = NpyFile.ReadNpz(dir["f.npz"]);
        var s = Ref[$"{tiling}_S"];
        Assert.Equal(s.Shape, z["features"].Shape);
        Assert.Equal(Ref[$"{tiling}_paths"].AsStrings(), z["paths"].AsStrings().Select(Path.GetFileName));
        Assert.Equal(Ref[$"{tiling}_y"].AsInt64(), z["tile_y"].AsInt64());
        Assert.Equal(Ref[$"{tiling}_x"].AsInt64(), z["tile_x"].AsInt64());
        Assert.Equal([16L, 20L], z["tile"].AsInt64());
        Assert.Equal(tiling == "overlap" ? [8L, 10L] : [16L, 20L], z["tile_stride"].AsInt64());
        int k = ScatteringLayout.ChannelCount(2, 4, 2);
        double worst = Agreement.WorstRelative(z["features"].AsFloat32(), s.AsFloat32(), k, s.Shape[3] * s.Shape[4], out int channel);
        Assert.True(worst <= ReferenceTests.Tolerance, $"{tiling}: channel {channel} differs by {worst:E3}");
        // The closing line counts the rows as tiles, of the two photos.
        Assert.Matches($@"(?m)^{s.Shape[0]} tiles of 2 images, 0 skipped, in [0-9.]+ s$", run.Stderr);
    }

    [Fact]
    public void PartsCountImagesAndEachNpyPartsSidecarHasItsTiles()
    {
        using var dir = new TempDir();
        var run = Extract(dir["out/p-{part}.npy"], ["--part-size", "1", .. Stride("overlap")]);
        Assert.True(run.Exit == 0, run.Stderr);
        var y = Ref["overlap_y"].AsInt64();
        var paths = Ref["overlap_paths"].AsStrings();
        int first = 0;
        foreach (var (part, name) in new[] { (0, "photo_a.png"), (1, "photo_b.png") })
        {
            var sidecar = NpyFile.ReadNpz(dir[$"out/p-{part:00000}.meta.npz"]);
            int count = paths.Count(p => p == name);
            Assert.Equal(y.Skip(first).Take(count), sidecar["tile_y"].AsInt64());
            Assert.All(sidecar["paths"].AsStrings(), p => Assert.EndsWith(name, p));
            Assert.Equal(count, NpyFile.Read(dir[$"out/p-{part:00000}.npy"]).Shape[0]);
            first += count;
        }
    }

    [Fact]
    public void ATileLargerThanEveryImageWritesNothingAndSaysSoPerImage()
    {
        using var dir = new TempDir();
        var run = ChildProcess.RunScat(["extract", Path.Combine(Case, "images"), "-o", dir["f.parquet"], "-J", "2", "--device", "cpu", "--tile", "41x20"]);
        Assert.Equal(1, run.Exit);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.StartsWith("no tile in ", StringComparison.Ordinal) && l.Contains("photo_a.png: it is height 40, width 52, smaller than the tile (height 41, width 20)"));
        Assert.Single(lines, l => l.StartsWith("no tile in ", StringComparison.Ordinal) && l.Contains("photo_b.png"));
        Assert.DoesNotContain(lines, l => l.StartsWith("skipped", StringComparison.Ordinal));
        Assert.Contains("scat: error: no image gives a tile of height 41, width 20: nothing written", run.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
