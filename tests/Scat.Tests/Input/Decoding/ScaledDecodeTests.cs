using Scat.Backends;
using Scat.Cli;
using Scat.Formats;
using Scat.Input.Decoding;
using Scat.Tests.Hardening;
using Scat.Tests.Support;
using Scat.Transform;
using SixLabors.ImageSharp;
using Xunit.Abstractions;

namespace Scat.Tests.Input.Decoding;

/// <summary>
/// Scaled JPEG decoding (<c>--decode scaled</c>): the choice of the DCT scale, how far its pixels and features
/// are from the full-size decode on the photo corpus (tests/Scat.Tests/data/photos), and that the hardening
/// still holds on the new path (truncation, --max-pixels, cancellation, EXIF orientation, CMYK).
/// </summary>
public class ScaledDecodeTests(ITestOutputHelper output)
{
    private static string[] Photos() => Directory.GetFiles(TestData.Path("photos"), "*.jpg").Order(StringComparer.Ordinal).ToArray();

    private static float[] Planes(ImageDecoder decoder, string path, out int h, out int w) =>
        ImageDecoderTests.Planes(decoder, path, out h, out w);

    [Theory]
    // 500×375 to 32² (crop: 32×42): 1/8 gives 47×63, which covers it.
    [InlineData(375, 500, 32, 42, 1, 8)]
    [InlineData(375, 500, 64, 85, 1, 4)]
    [InlineData(375, 500, 128, 170, 1, 2)]
    // more than half the source in a dimension: full size
    [InlineData(375, 500, 188, 250, 1, 1)]
    [InlineData(375, 500, 100, 251, 1, 1)]
    // exactly half: 1/2 (rounded up, 188 ≥ 187)
    [InlineData(374, 500, 187, 250, 1, 2)]
    // at least twice the target
    [InlineData(375, 500, 32, 42, 2, 4)]
    [InlineData(375, 500, 128, 170, 2, 1)]
    // sides that do not divide: libjpeg rounds up (41 / 8 → 6)
    [InlineData(41, 41, 6, 6, 1, 8)]
    [InlineData(41, 41, 7, 7, 1, 4)]
    public void TheSmallestDctScaleThatCoversTheTargetIsChosen(int srcH, int srcW, int needH, int needW, int cover, int expected)
    {
        Assert.Equal(expected, ScaledJpeg.Denominator(srcH, srcW, needH, needW, cover));
    }

    /// <summary>Per image: mean and max |scaled − exact| pixel (0–255) and the features' relative difference.</summary>
    private (double MeanPixel, double MaxPixel, double WorstImageMean, double MeanFeature, double MaxFeature, double WorstChannel) Drift(
        int size, int cover, FitMode fit = FitMode.Crop)
    {
        var spec = new ResizeSpec(size, size, fit);
        var exact = new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Exact);
        var scaled = new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Scaled) { ScaledCover = cover };
        var layout = new ScatteringLayout(size, size, 2, 8, 2);
        using var engine = EngineFactory.Create(new DeviceSpec(DeviceKind.Cpu, 0), layout, 1);
        double sumAbs = 0, maxAbs = 0, sumFeature = 0, maxFeature = 0, worstImage = 0;
        long count = 0;
        var photos = Photos();
        var allE = new List<float>();
        var allS = new List<float>();
        foreach (var path in photos)
        {
            var e = Planes(exact, path, out int he, out int we);
            var s = Planes(scaled, path, out int hs, out int ws);
            Assert.Equal((size, size), (he, we));
            Assert.Equal((he, we), (hs, ws));
            double imageAbs = 0;
            for (int i = 0; i < e.Length; i++)
            {
                double d = Math.Abs(e[i] - s[i]) * 255;
                imageAbs += d;
                maxAbs = Math.Max(maxAbs, d);
            }
            sumAbs += imageAbs;
            count += e.Length;
            worstImage = Math.Max(worstImage, imageAbs / e.Length);

            var fe = new float[3 * layout.OutputPerPlane];
            var fs = new float[3 * layout.OutputPerPlane];
            engine.Transform(e, 3, fe);
            engine.Transform(s, 3, fs);
            allE.AddRange(fe);
            allS.AddRange(fs);
            double num = 0, den = 0;
            for (int i = 0; i < fe.Length; i++)
            {
                num += (fe[i] - (double)fs[i]) * (fe[i] - fs[i]);
                den += (double)fe[i] * fe[i];
            }
            double rel = Math.Sqrt(num / den);
            sumFeature += rel;
            maxFeature = Math.Max(maxFeature, rel);
        }
        double worst = Agreement.WorstRelative(allS.ToArray(), allE.ToArray(), layout.K,
            layout.OutHeight * layout.OutWidth, out _);
        return (sumAbs / count, maxAbs, worstImage, sumFeature / photos.Length, maxFeature, worst);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    public void ScaledDecodingStaysCloseToTheExactPixelsAndFeatures(int size)
    {
        foreach (int cover in new[] { 1, 2 })
        {
            var (meanPixel, maxPixel, worstImage, meanFeature, maxFeature, worst) = Drift(size, cover);
            output.WriteLine($"--size {size}, scale covering {cover}x the target: pixels |scaled - exact| mean {meanPixel:0.000}, " +
                $"max {maxPixel:0.0} (of 255), worst image's mean {worstImage:0.00}; features ||scaled - exact|| / ||exact|| mean {meanFeature:0.0000}, max {maxFeature:0.0000}; " +
                $"worst channel max|d|/max|ref| {worst:0.0000}");
            Assert.True(meanPixel < 3, $"mean pixel difference {meanPixel}");
            // A wrong orientation, channel order or crop would move an image's mean by tens of levels.
            Assert.True(worstImage < 8, $"an image's mean pixel difference {worstImage}");
            Assert.True(meanFeature < 0.05, $"mean feature difference {meanFeature}");
        }
    }

    [Fact]
    public void ExactModeAndSizesAboveHalfKeepTheFullSizePixels()
    {
        var photo = Photos()[0];
        // 200 of 384 rows is more than half: the scaled mode decodes at full size, bit for bit as the exact mode.
        var spec = new ResizeSpec(200, 200, FitMode.Crop);
        var exact = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Exact), photo, out _, out _);
        var scaled = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Scaled), photo, out _, out _);
        Assert.Equal(exact, scaled);
        // and at 32 they differ (the scaled path did run)
        spec = new ResizeSpec(32, 32, FitMode.Crop);
        exact = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Exact), photo, out _, out _);
        scaled = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Scaled), photo, out _, out _);
        Assert.NotEqual(exact, scaled);
    }

    [Fact]
    public void ExifOrientationIsAppliedOnTheScaledPath()
    {
        // Stored 500×375 with orientation 6: shown 375 wide, 500 high. Stretch keeps the aspect visible.
        var photo = TestData.Path("photos", "rocket-3-375x500-q85.jpg");
        var spec = new ResizeSpec(40, 30, FitMode.Stretch);
        var exact = Planes(new ImageDecoder(ColorMode.Gray, spec, decode: DecodeMode.Exact), photo, out _, out _);
        var scaled = Planes(new ImageDecoder(ColorMode.Gray, spec, decode: DecodeMode.Scaled), photo, out int h, out int w);
        Assert.Equal((40, 30), (h, w));
        double mean = exact.Zip(scaled, (a, b) => Math.Abs(a - b)).Average() * 255;
        Assert.True(mean < 4, $"mean difference {mean:0.00} levels: orientation lost?");
        Assert.NotEqual(exact, scaled);
    }

    /// <summary>Every EXIF orientation (each its own operator on the scaled path) gives what ImageSharp's AutoOrient
    /// gives on the exact path: a photo re-saved with orientations 1–8, decoded both ways at a non-square size; the
    /// scaled decode of orientation o is nearest to the exact decode of o, of all eight.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void EveryExifOrientationIsAppliedOnTheScaledPath(int orientation)
    {
        using var dir = new TempDir();
        using (var image = Image.Load(TestData.Path("photos", "chelsea-0-512x384-q90.jpg")))
        {
            for (int o = 1; o <= 8; o++)
            {
                image.Metadata.ExifProfile ??= new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
                image.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, (ushort)o);
                image.SaveAsJpeg(dir[$"o{o}.jpg"], new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
            }
        }
        var spec = new ResizeSpec(40, 24, FitMode.Crop);
        var scaled = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Scaled), dir[$"o{orientation}.jpg"], out int h, out int w);
        Assert.Equal((40, 24), (h, w));
        var exact = new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Exact);
        var distances = Enumerable.Range(1, 8).Select(o =>
            Planes(exact, dir[$"o{o}.jpg"], out _, out _).Zip(scaled, (a, b) => Math.Abs(a - b)).Average() * 255).ToArray();
        int nearest = Array.IndexOf(distances, distances.Min()) + 1;
        Assert.True(nearest == orientation, $"orientation {orientation} decodes nearest to {nearest}: mean differences {string.Join(", ", distances.Select(d => d.ToString("0.0")))} levels");
        Assert.True(distances[orientation - 1] < 6, $"mean difference {distances[orientation - 1]:0.00} levels");
    }

    [Fact]
    public void GrayJpegGivesThreeEqualPlanesOnTheScaledPath()
    {
        var photo = TestData.Path("photos", "camera-0-512x384-q90.jpg");
        var rgb = Planes(new ImageDecoder(ColorMode.Rgb, new ResizeSpec(32, 32, FitMode.Crop)), photo, out _, out _);
        int n = 32 * 32;
        Assert.Equal(rgb[..n], rgb[n..(2 * n)]);
        Assert.Equal(rgb[..n], rgb[(2 * n)..]);
    }

    [Fact]
    public void CmykJpegStaysOnTheFullSizeDecoder()
    {
        using var dir = new TempDir();
        var path = BadFiles.CmykJpeg(dir["cmyk.jpg"]); // 24×16: 8×8 would be scaled 1/2 if it were YCbCr
        var spec = new ResizeSpec(8, 8, FitMode.Crop);
        var exact = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Exact), path, out _, out _);
        var scaled = Planes(new ImageDecoder(ColorMode.Rgb, spec, decode: DecodeMode.Scaled), path, out _, out _);
        Assert.Equal(exact, scaled);
    }

    [Fact]
    public void TruncatedBombAndCancelledDecodesAreRefusedOnTheScaledPath()
    {
        using var dir = new TempDir();
        var decoder = new ImageDecoder(ColorMode.Rgb, new ResizeSpec(32, 32, FitMode.Crop));
        var photo = Photos()[0];
        var cut = BadFiles.Truncated(dir["cut.jpg"], photo, 0.6);
        var e = Assert.Throws<ImageDecodeException>(() => decoder.Decode(cut).Dispose());
        Assert.Contains("truncated JPEG", e.Message);

        var small = new ImageDecoder(ColorMode.Rgb, new ResizeSpec(32, 32, FitMode.Crop), maxPixels: 1000);
        e = Assert.Throws<ImageDecodeException>(() => small.Decode(photo).Dispose());
        Assert.Contains("--max-pixels 1000", e.Message);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => decoder.Decode(photo, cancelled.Token).Dispose());
    }

    [Fact]
    public async Task ExtractDecodeOptionChoosesTheDecoder()
    {
        using var dir = new TempDir();
        var photos = Photos().Take(4).ToArray();
        var files = new List<string>();
        foreach (var p in photos)
        {
            var to = dir[Path.Combine("in", Path.GetFileName(p))];
            Directory.CreateDirectory(dir["in"]);
            File.Copy(p, to);
            files.Add(to);
        }
        float[] Features(string mode)
        {
            var outPath = dir[$"{mode}.npy"];
            var run = InProcess.Scat("extract", dir["in"], "--size", "32", "-J", "2", "-L", "4", "--decode", mode, "-o", outPath, "-q");
            Assert.True(run.Exit == 0, run.Stderr);
            using var s = File.OpenRead(outPath);
            return NpyReader.ReadFloat32(s).Data;
        }
        float[] Expected(DecodeMode mode)
        {
            var decoder = new ImageDecoder(ColorMode.Rgb, new ResizeSpec(32, 32, FitMode.Crop), decode: mode);
            var layout = new ScatteringLayout(32, 32, 2, 4, 2);
            using var engine = EngineFactory.Create(new DeviceSpec(DeviceKind.Cpu, 0), layout, 1);
            var result = new List<float>();
            foreach (var f in files.Order(StringComparer.Ordinal))
            {
                var planes = Planes(decoder, f, out _, out _);
                var y = new float[3 * layout.OutputPerPlane];
                engine.Transform(planes, 3, y);
                result.AddRange(y);
            }
            return result.ToArray();
        }
        Assert.Equal(Expected(DecodeMode.Exact), Features("exact"));
        Assert.Equal(Expected(DecodeMode.Scaled), Features("scaled"));
        Assert.NotEqual(Features("exact"), Features("scaled"));

        var bad = await InProcess.ScatAsync("extract", dir["in"], "--size", "32", "--decode", "fast", "-o", dir["x.npy"]);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("'fast'", bad.Stderr);
    }
}
