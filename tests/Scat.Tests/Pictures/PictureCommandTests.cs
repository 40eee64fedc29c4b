using Scat.Cli;
using Scat.Pictures;
using Scat.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Tests.Pictures;

public class PictureCommandTests
{
    /// <summary>Decodes the PNG; returns its size, the number of distinct colours and the fraction of non-white pixels.</summary>
    private static (int Width, int Height, int Colours, double Inked) Inspect(string path)
    {
        using var image = Image.Load<Rgba32>(path);
        var colours = new HashSet<uint>();
        long inked = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                colours.Add(p.PackedValue);
                if (p.R < 250 || p.G < 250 || p.B < 250) inked++;
            }
        return (image.Width, image.Height, colours.Count, inked / (double)(image.Width * image.Height));
    }

    [Fact]
    public void FiltersPicture()
    {
        using var dir = new TempDir();
        var (exit, err, _, _) = InProcess.Scat("filters", "-J", "2", "-L", "4", "-o", dir["out/filters.png"]);
        Assert.True(exit == 0, err);
        var (w, h, colours, inked) = Inspect(dir["out/filters.png"]);
        // L = 4 columns of panels, 2J + 1 = 5 rows
        Assert.InRange(w, 4 * 200, 4 * 300 + 200);
        Assert.InRange(h, 5 * 150, 5 * 250 + 150);
        Assert.True(colours > 500, $"{colours} colours");
        Assert.InRange(inked, 0.15, 0.9);
        Assert.Empty(Directory.GetFiles(dir["out"], ".*"));
    }

    [Fact]
    public void FiltersPictureScalesWithJAndL()
    {
        var small = Image.Identify(FilterPicture.Render(1, 2, 16));
        var large = Image.Identify(FilterPicture.Render(3, 8, 32));
        Assert.True(large.Width > small.Width && large.Height > small.Height);
    }

    [Fact]
    public void ShowPicture()
    {
        using var dir = new TempDir();
        var image = Fixtures.Png(dir["bars.png"], 40, 32, (x, y) =>
        {
            byte v = (byte)(((x / 4) % 2 == 0) ^ ((y / 6) % 2 == 0) ? 230 : 20);
            return new Rgba32(v, (byte)(255 - v), v);
        });
        var (exit, err, _, _) = InProcess.Scat("show", image, "-J", "2", "-L", "4", "-o", dir["coeffs.png"]);
        Assert.True(exit == 0, err);
        var (w, h, colours, inked) = Inspect(dir["coeffs.png"]);
        Assert.Equal(1500, w);
        Assert.InRange(h, 800, 3000);
        Assert.True(colours > 500, $"{colours} colours");
        Assert.InRange(inked, 0.1, 0.9);
    }

    [Fact]
    public void ShowOfAnImageTooSmallForJFails()
    {
        using var dir = new TempDir();
        var image = Fixtures.Png(dir["tiny.png"], 6, 6);
        var (exit, err, _, _) = InProcess.Scat("show", image, "-J", "3", "-o", dir["c.png"]);
        Assert.Equal(1, exit);
        Assert.Contains("--size", err);
        Assert.False(File.Exists(dir["c.png"]));
        Assert.Equal(0, InProcess.Scat("show", image, "-J", "3", "--size", "16", "-o", dir["c.png"]).Exit);
    }

    [Theory]
    [InlineData("filters", "-J", "0", "-o", "f.png")]
    [InlineData("filters", "-J", "7", "--size", "64", "-o", "f.png")]
    [InlineData("filters", "-o", "f.jpg")]
    public void BadFilterArguments(params string[] args)
    {
        using var dir = new TempDir();
        args[^1] = dir[args[^1]];
        Assert.Equal(2, InProcess.Scat(args).Exit);
        Assert.False(File.Exists(args[^1]));
    }

    [Fact]
    public void ShowOfAMissingFileFails()
    {
        using var dir = new TempDir();
        var (exit, err, _, _) = InProcess.Scat("show", dir["nope.png"], "-o", dir["c.png"]);
        Assert.Equal(1, exit);
        Assert.Contains("nope.png", err);
    }
}
