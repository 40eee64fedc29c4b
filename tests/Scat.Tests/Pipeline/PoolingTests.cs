using Scat.Cli;
using Scat.Output;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;
using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Tests.Pipeline;

public class PoolingTests
{
    private static void Images(string root)
    {
        for (int i = 0; i < 5; i++)
        {
            int seed = i;
            Fixtures.Png(Path.Combine(root, i % 2 == 0 ? "a" : "b", $"img{i}.png"), 24, 20,
                (x, y) => new Rgba32((byte)((x * 37 + y * 11 + seed * 50) % 256), (byte)((x * y + seed * 13) % 256), (byte)((y * 29 + seed) % 256)));
        }
    }

    [Fact]
    public void MeanAndMaxOfEachMap()
    {
        float[] maps = [1, 2, 3, 4, /**/ -1, -5, 0, 2];
        var pooled = new float[2];
        Pooling.Pool(PoolMode.Mean, maps, 4, pooled);
        Assert.Equal([2.5f, -1f], pooled);
        Pooling.Pool(PoolMode.Max, maps, 4, pooled);
        Assert.Equal([4f, 2f], pooled);
        Assert.Throws<ArgumentException>(() => Pooling.Pool(PoolMode.Mean, maps.AsSpan(0, 7), 4, pooled));
    }

    [Fact]
    public void MetadataShapeIsCKWhenPooled()
    {
        var layout = new ScatteringLayout(20, 24, 2, 4, 2);
        var plain = new FeatureMetadata(layout, 3, []);
        var pooled = plain with { Pool = PoolMode.Mean };
        Assert.Equal([7L, 3, layout.K, layout.OutHeight, layout.OutWidth], plain.FeatureShape(7));
        Assert.Equal([7L, 3, layout.K], pooled.FeatureShape(7));
        Assert.Equal([3L, layout.K], pooled.ImageShape);
        Assert.Equal(3 * layout.K, pooled.FloatsPerImage);
        Assert.Equal(3 * layout.OutputPerPlane, plain.FloatsPerImage);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("max")]
    public void PooledNpzIsThePoolOfTheUnpooledOutput(string mode)
    {
        using var dir = new TempDir();
        Images(dir["in"]);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-L", "4", "-q", "-o", dir["full.npz"]).Exit);
        var (exit, err, _, _) = InProcess.Scat("extract", dir["in"], "-L", "4", "-q", "--pool", mode, "--batch-size", "2", "-o", dir["pooled.npz"]);
        Assert.True(exit == 0, err);

        var full = NpyFile.ReadNpz(dir["full.npz"]);
        var pooled = NpyFile.ReadNpz(dir["pooled.npz"]);
        var f = full["features"];
        var p = pooled["features"];
        Assert.Equal(5, f.Shape.Length);
        Assert.Equal(f.Shape[..3], p.Shape);
        Assert.Equal(full["labels"].AsInt64(), pooled["labels"].AsInt64());
        Assert.Equal(full["order"].AsInt64(), pooled["order"].AsInt64());

        var fv = f.AsFloat32();
        var pv = p.AsFloat32();
        int mapSize = f.Shape[3] * f.Shape[4];
        Assert.Equal(fv.Length / mapSize, pv.Length);
        for (int m = 0; m < pv.Length; m++)
        {
            var map = fv.AsSpan(m * mapSize, mapSize).ToArray();
            double expected = mode == "mean" ? map.Select(v => (double)v).Average() : map.Max();
            Assert.True(Math.Abs(pv[m] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"map {m}: {pv[m]} vs {expected}");
        }
    }

    [Fact]
    public void PooledNpyHasShapeNCK()
    {
        using var dir = new TempDir();
        Images(dir["in"]);
        var (exit, err, _, _) = InProcess.Scat("extract", dir["in"], "-J", "1", "-L", "2", "--color", "gray", "-q", "--pool", "mean", "-o", dir["f.npy"]);
        Assert.True(exit == 0, err);
        var a = NpyFile.Read(dir["f.npy"]);
        Assert.Equal([5, 1, ScatteringLayout.ChannelCount(1, 2, 2)], a.Shape);
    }

    [Fact]
    public void UnknownPoolIsABadArgument()
    {
        using var dir = new TempDir();
        Images(dir["in"]);
        var (exit, err, _, _) = InProcess.Scat("extract", dir["in"], "--pool", "median", "-o", dir["f.npz"]);
        Assert.Equal(2, exit);
        // scat's own wording, once: the option and its choices (not System.CommandLine's "Argument 'median' not recognized").
        Assert.Equal("scat: error: unknown --pool 'median': use none, mean or max (see 'scat extract --help')", err.TrimEnd('\n'));
        Assert.False(File.Exists(dir["f.npz"]));
    }

    [Fact]
    public void PooledParquetHoldsTheSameFeaturesWithShapeCK()
    {
        using var dir = new TempDir();
        Images(dir["in"]);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-L", "4", "-q", "--pool", "mean", "-o", dir["p.npz"]).Exit);
        var (exit, err, _, _) = InProcess.Scat("extract", dir["in"], "-L", "4", "-q", "--pool", "mean", "-o", dir["p.parquet"]);
        Assert.True(exit == 0, err);
        var npz = NpyFile.ReadNpz(dir["p.npz"]);
        var table = global::Scat.Tests.Cli.ParquetShardTests.ReadParquet(dir["p.parquet"]);
        var shape = npz["features"].Shape; // (N, C, K)
        Assert.Equal([shape[1], shape[2]], table.Meta.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt32()));
        var all = npz["features"].AsFloat32();
        int per = shape[1] * shape[2];
        Assert.Equal(shape[0], table.Features.Count);
        for (int i = 0; i < shape[0]; i++)
            Assert.Equal(all.AsSpan(i * per, per).ToArray(), table.Features[i]);
    }
}
