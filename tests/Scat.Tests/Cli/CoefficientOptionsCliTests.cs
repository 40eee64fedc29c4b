using System.IO.Compression;
using System.Text.Json;
using Scat.Backends.Cpu;
using Scat.Cli;
using Scat.Formats;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;
using Xunit;

namespace Scat.Tests.Cli;

/// <summary>--padding, --rotation-invariant, --renorm and --log through extract, info, show and bench.</summary>
public class CoefficientOptionsCliTests
{
    private static Dictionary<string, byte[]> Members(string npz)
    {
        using var zip = ZipFile.OpenRead(npz);
        var result = new Dictionary<string, byte[]>();
        foreach (var (name, open) in NpyReader.OpenNpz(zip))
        {
            using var s = open();
            var m = new MemoryStream();
            s.CopyTo(m);
            result[name] = m.ToArray();
        }
        return result;
    }

    private static long[] Ints(Dictionary<string, byte[]> m, string name) => NpyReader.ReadInt64(new MemoryStream(m[name])).Data;

    [Theory]
    [InlineData("--rotation-invariant", "--renorm", "--pool", "mean", "--log", "--padding", "zero")]
    [InlineData("--rotation-invariant")]
    [InlineData("--renorm", "--padding", "periodic")]
    [InlineData("--log", "--pool", "max", "--padding", "symmetric")]
    public async Task ExtractWritesTheStepsOutputAndItsChannelMeta(params string[] options)
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        string[] common = ["extract", dir["in"], "-L", "4", "--color", "gray", "-q", "--device", "cpu", .. options];
        Assert.Equal(0, InProcess.Scat([.. common, "-o", dir["f.npz"]]).Exit);
        Assert.Equal(0, InProcess.Scat([.. common, "-o", dir["f.parquet"]]).Exit);

        // What the engine and the steps give for the decoded pixels.
        var coefficients = new CoefficientOptions
        {
            Padding = options.Contains("zero") ? PaddingMode.Zero : options.Contains("periodic") ? PaddingMode.Periodic
                : options.Contains("symmetric") ? PaddingMode.Symmetric : PaddingMode.Reflect,
            RotationInvariant = options.Contains("--rotation-invariant"),
            Renorm = options.Contains("--renorm"),
            Log = options.Contains("--log"),
        };
        var pool = options.Contains("mean") ? PoolMode.Mean : options.Contains("max") ? PoolMode.Max : PoolMode.None;
        var files = ImageListing.Build([dir["in"]]).Items.Select(i => i.FullPath).ToList();
        var decoder = new ImageDecoder(ColorMode.Gray, null);
        var planes = new List<float>();
        foreach (var f in files)
        {
            using var image = decoder.Decode(f);
            var p = new float[image.Height * image.Width];
            image.CopyPlanes(p);
            planes.AddRange(p);
        }
        var layout = new ScatteringLayout(16, 16, 2, 4, 2, coefficients.Padding);
        var transformed = new float[files.Count * layout.OutputPerPlane];
        using (var engine = new CpuEngine(layout, 1)) engine.Transform(planes.ToArray(), files.Count, transformed);
        var steps = new CoefficientSteps(layout, coefficients, pool);
        var expected = steps.Apply(transformed, files.Count).ToArray();

        var m = Members(dir["f.npz"]);
        var (header, features) = NpyReader.ReadFloat32(new MemoryStream(m["features"]));
        Assert.Equal(pool == PoolMode.None ? [files.Count, 1L, steps.K, layout.OutHeight, layout.OutWidth] : new long[] { files.Count, 1, steps.K }, header.Shape);
        Assert.Equal(expected, features);
        var fields = coefficients.RotationInvariant ? new[] { "order", "j1", "j2", "delta", "freq" } : ["order", "j1", "theta1", "j2", "theta2"];
        foreach (var f in fields) Assert.Equal(steps.Channels.Select(c => (long)ChannelFields.Value(c, f)), Ints(m, f));
        foreach (var absent in new[] { "order", "j1", "theta1", "j2", "theta2", "delta", "freq" }.Except(fields)) Assert.False(m.ContainsKey(absent), absent);
        if (coefficients.RotationInvariant)
        {
            // L = 4, J = 2: order 0; (j1, m) for m = 0..2; (j1 = 0, j2 = 1, δ = 0..3, m = 0..2).
            Assert.Equal(1 + 2 * 3 + 4 * 3, steps.K);
            Assert.Equal([-1L, 0, 0, 0, 1, 1, 1], Ints(m, "j1")[..7]);
            Assert.Equal([-1L, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], Ints(m, "freq")[..11]);
            Assert.Equal([0L, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], Ints(m, "delta")[7..]);
        }

        foreach (var file in new[] { "f.npz", "f.parquet" })
        {
            var info = FeatureFileInfo.Read(dir[file]);
            Assert.Equal(steps.Channels, info.Channels);
            var text = InProcess.Scat("info", dir[file]);
            Assert.Equal(0, text.Exit);
            Assert.Equal(coefficients.RotationInvariant, text.Out.Contains("rotation-invariant: order, j1, j2, delta, freq"));
            var json = JsonDocument.Parse(InProcess.Scat("info", dir[file], "--json").Out).RootElement;
            var first = json.GetProperty("channels").EnumerateArray().ElementAt(1);
            Assert.Equal(fields, first.EnumerateObject().Select(p => p.Name));
        }
        // The Parquet metadata names the options that are not the default.
        await using var reader = await Parquet.ParquetReader.CreateAsync(dir["f.parquet"]);
        var meta = JsonDocument.Parse(reader.CustomMetadata[ParquetFeatureWriter.MetadataKey]).RootElement;
        Assert.Equal(coefficients.Padding == PaddingMode.Reflect ? null : PadIndex.Name(coefficients.Padding),
            meta.TryGetProperty("padding", out var pad) ? pad.GetString() : null);
        Assert.Equal(coefficients.RotationInvariant, meta.TryGetProperty("rotation_invariant", out _));
        Assert.Equal(coefficients.Renorm, meta.TryGetProperty("renorm", out _));
        Assert.Equal(coefficients.Log, meta.TryGetProperty("log", out _));
    }

    [Fact]
    public void AnUnknownPaddingIsAUsageError()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var run = InProcess.Scat("extract", dir["in"], "--padding", "mirror", "-o", dir["f.npz"]);
        Assert.Equal(2, run.Exit);
        Assert.Equal("scat: error: unknown --padding 'mirror': use reflect, symmetric, zero or periodic (see 'scat extract --help')", run.Stderr.TrimEnd('\n'));
        Assert.False(File.Exists(dir["f.npz"]));
    }

    [Fact]
    public void ShowDrawsRotationInvariantAndLogCoefficients()
    {
        using var dir = new TempDir();
        var image = Fixtures.Png(dir["bars.png"], 40, 32, (x, y) =>
        {
            byte v = (byte)(((x / 4) % 2 == 0) ^ ((y / 6) % 2 == 0) ? 230 : 20);
            return new SixLabors.ImageSharp.PixelFormats.Rgba32(v, v, v);
        });
        foreach (var extra in new[] { new[] { "--rotation-invariant" }, ["--rotation-invariant", "--renorm", "--log", "--padding", "periodic"] })
        {
            var (exit, err, _, _) = InProcess.Scat(["show", image, "-J", "3", "-L", "6", "-o", dir["ri.png"], .. extra]);
            Assert.True(exit == 0, err);
            using var png = SixLabors.ImageSharp.Image.Load(dir["ri.png"]);
            Assert.Equal(1500, png.Width);
            Assert.InRange(png.Height, 800, 3000);
        }
    }

    [Fact]
    public void BenchTakesTheOptions()
    {
        var (exit, err, _, output) = InProcess.Scat("bench", "--device", "cpu", "--size", "16", "--batch-size", "2", "--repeat", "1", "--warmup", "0",
            "--padding", "zero", "--rotation-invariant", "--renorm", "--log", "--threads", "1");
        Assert.True(exit == 0, err);
        Assert.Contains("padding zero, renorm, rotation-invariant, log", output);
        Assert.Contains("16x16", output);
    }
}
