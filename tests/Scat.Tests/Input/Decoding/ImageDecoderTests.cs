using Scat.Input.Decoding;
using Scat.Tests.Support;
using Scat.Transform;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Scat.Tests.Input.Decoding;

public class ImageDecoderTests
{
    internal static float[] Planes(ImageDecoder decoder, string path, out int h, out int w)
    {
        using var image = decoder.Decode(path);
        h = image.Height;
        w = image.Width;
        var planes = new float[image.Channels * h * w];
        image.CopyPlanes(planes);
        return planes;
    }

    [Fact]
    public void RgbPlanesArePixelsOver255InRgbOrder()
    {
        using var dir = new TempDir();
        var path = Fixtures.Png(dir["c.png"], 5, 3, (x, y) => new Rgba32((byte)(10 * x + y), (byte)(200 - x), (byte)(y * 40), (byte)(x * 50)));
        var planes = Planes(new ImageDecoder(ColorMode.Rgb, null), path, out int h, out int w);
        Assert.Equal((3, 5), (h, w));
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
            {
                int i = y * 5 + x;
                Assert.Equal((float)((10 * x + y) / 255.0), planes[i]);
                Assert.Equal((float)((200 - x) / 255.0), planes[15 + i]);
                Assert.Equal((float)(y * 40 / 255.0), planes[30 + i]); // alpha dropped, not premultiplied
            }
    }

    [Fact]
    public void GrayKeepsGrayPixelsAndWeighsColourOnesInDouble()
    {
        using var dir = new TempDir();
        var path = Fixtures.Png(dir["g.png"], 4, 1, (x, _) => x switch
        {
            0 => new Rgba32(77, 77, 77, 255),
            1 => new Rgba32(255, 0, 0, 255),
            2 => new Rgba32(12, 200, 34, 255),
            _ => new Rgba32(1, 2, 3, 255),
        });
        var planes = Planes(new ImageDecoder(ColorMode.Gray, null), path, out _, out _);
        Assert.Equal(4, planes.Length);
        Assert.Equal(77 / 255f, planes[0]);
        Assert.Equal((float)(0.299 * 255 / 255.0), planes[1]);
        Assert.Equal((float)((0.299 * 12 + 0.587 * 200 + 0.114 * 34) / 255.0), planes[2]);
        Assert.Equal((float)((0.299 * 1 + 0.587 * 2 + 0.114 * 3) / 255.0), planes[3]);
    }

    [Fact]
    public void GrayImageGivesThreeEqualChannelsUnderRgb()
    {
        using var dir = new TempDir();
        var path = dir["l8.png"];
        using (var image = new Image<L8>(3, 2))
        {
            for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) image[x, y] = new L8((byte)(x * 90 + y));
            image.SaveAsPng(path);
        }
        var rgb = Planes(new ImageDecoder(ColorMode.Rgb, null), path, out _, out _);
        var gray = Planes(new ImageDecoder(ColorMode.Gray, null), path, out _, out _);
        Assert.Equal(gray, rgb[..6]);
        Assert.Equal(gray, rgb[6..12]);
        Assert.Equal(gray, rgb[12..]);
        Assert.Equal(181 / 255f, gray[5]);
    }

    [Fact]
    public void SixteenBitPngIsReadAtFullDepth()
    {
        using var dir = new TempDir();
        var path = dir["deep.png"];
        using (var image = new Image<Rgb48>(2, 1))
        {
            image[0, 0] = new Rgb48(1, 65535, 30001);
            image[1, 0] = new Rgb48(40000, 40000, 40000);
            image.SaveAsPng(path, new SixLabors.ImageSharp.Formats.Png.PngEncoder { BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 });
        }
        var rgb = Planes(new ImageDecoder(ColorMode.Rgb, null), path, out _, out _);
        Assert.Equal([(float)(1 / 65535.0), (float)(40000 / 65535.0)], rgb[..2]);
        Assert.Equal([1f, (float)(40000 / 65535.0)], rgb[2..4]);
        Assert.Equal((float)(30001 / 65535.0), rgb[4]);
        var gray = Planes(new ImageDecoder(ColorMode.Gray, null), path, out _, out _);
        Assert.Equal((float)((0.299 * 1 + 0.587 * 65535 + 0.114 * 30001) / 65535.0), gray[0]);
        Assert.Equal((float)(40000 / 65535.0), gray[1]);
    }

    [Theory]
    [InlineData(FitMode.Crop, 40, 20, 16, 16, 32, 16)]  // shorter side (20 wide) → 16, the other int(16·40/20)
    [InlineData(FitMode.Crop, 30, 45, 16, 16, 16, 24)]
    [InlineData(FitMode.Stretch, 30, 45, 16, 8, 16, 8)]
    [InlineData(FitMode.Pad, 40, 20, 16, 16, 16, 8)]    // longer side → 16
    [InlineData(FitMode.Pad, 10, 30, 12, 12, 4, 12)]
    [InlineData(FitMode.Crop, 17, 17, 17, 17, 17, 17)]
    public void ScaledSizeBeforeCropOrPad(FitMode fit, int h, int w, int th, int tw, int eh, int ew)
    {
        Assert.Equal((eh, ew), FitGeometry.ResizedSize(h, w, new ResizeSpec(th, tw, fit)));
    }

    [Theory]
    [InlineData(FitMode.Crop, 30, 20, "16x12")]
    [InlineData(FitMode.Crop, 20, 30, "16")]
    [InlineData(FitMode.Stretch, 20, 31, "9x17")]
    [InlineData(FitMode.Pad, 20, 31, "16x16")]
    [InlineData(FitMode.Pad, 31, 7, "16x16")]
    public void ResizeGivesTheRequestedShape(FitMode fit, int h, int w, string size)
    {
        using var dir = new TempDir();
        var path = Fixtures.Png(dir["r.png"], w, h);
        Assert.True(ResizeSpec.TryParse(size, fit, out var spec));
        var decoder = new ImageDecoder(ColorMode.Rgb, spec);
        var planes = Planes(decoder, path, out int oh, out int ow);
        Assert.Equal((spec!.Height, spec.Width), (oh, ow));
        Assert.Equal(3 * oh * ow, planes.Length);
        Assert.All(planes, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal((oh, ow), decoder.Identify(path));
    }

    [Fact]
    public void PadReflectsWithoutRepeatingTheEdge()
    {
        using var dir = new TempDir();
        // 2 rows × 4 columns, padded (not scaled: the width already fits) to 6 rows: reflection of rows.
        var path = Fixtures.Png(dir["p.png"], 4, 2, (x, y) => new Rgba32((byte)(y * 100 + x), 0, 0, 255));
        var planes = Planes(new ImageDecoder(ColorMode.Rgb, new ResizeSpec(6, 4, FitMode.Pad)), path, out _, out _);
        // numpy.pad([r0, r1], (2, 2), 'reflect') = r0 r1 r0 r1 r0 r1 (period 2)
        float[] rows = [.. Enumerable.Range(0, 6).Select(y => planes[y * 4] * 255f)];
        Assert.Equal([0f, 100f, 0f, 100f, 0f, 100f], rows.Select(v => MathF.Round(v)));
    }

    [Theory]
    [InlineData(-1, 4, 1)]
    [InlineData(-2, 4, 2)]
    [InlineData(4, 4, 2)]
    [InlineData(5, 4, 1)]
    [InlineData(-4, 4, 2)]  // beyond one reflection: period 2(n − 1)
    [InlineData(7, 4, 1)]
    [InlineData(3, 1, 0)]
    [InlineData(2, 4, 2)]
    public void ReflectIsNumpyReflect(int i, int n, int expected) => Assert.Equal(expected, PadIndex.Reflect(i, n));

    [Fact]
    public void ExifOrientationIsApplied()
    {
        using var dir = new TempDir();
        var path = dir["rot.jpg"];
        using (var image = new Image<Rgba32>(8, 4, new Rgba32(128, 128, 128, 255)))
        {
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6); // rotate 90°
            image.SaveAsJpeg(path);
        }
        var decoder = new ImageDecoder(ColorMode.Gray, null);
        Planes(decoder, path, out int h, out int w);
        Assert.Equal((8, 4), (h, w));
        Assert.Equal((8, 4), decoder.Identify(path));
    }

    [Fact]
    public void CorruptFileThrowsWithAReason()
    {
        using var dir = new TempDir();
        var path = Fixtures.Corrupt(dir["bad.png"]);
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        var e = Assert.Throws<ImageDecodeException>(() => decoder.Decode(path));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<ImageDecodeException>(() => decoder.Identify(path));
        File.WriteAllText(dir["text.png"], "hello");
        Assert.Equal("unknown or unsupported image format", Assert.Throws<ImageDecodeException>(() => decoder.Decode(dir["text.png"])).Message);
    }

    [Theory]
    [InlineData("32", 32, 32)]
    [InlineData("48x64", 48, 64)]
    [InlineData("48X64", 48, 64)]
    public void SizeParses(string text, int h, int w)
    {
        Assert.True(ResizeSpec.TryParse(text, FitMode.Pad, out var spec));
        Assert.Equal(new ResizeSpec(h, w, FitMode.Pad), spec);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("3x")]
    [InlineData("-4")]
    [InlineData("4x4x4")]
    [InlineData("ax3")]
    public void BadSizeDoesNotParse(string text) => Assert.False(ResizeSpec.TryParse(text, FitMode.Crop, out _));
}
