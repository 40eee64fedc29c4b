using Scat.Input;
using Scat.Tests.Support;
using Xunit;

namespace Scat.Tests.Input;

public class ImageListingTests
{
    [Fact]
    public void FolderListsClassesAndOrdinalPathOrder()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir.Path);
        var listing = ImageListing.Build([dir.Path]);

        Assert.Equal(["a", "b"], listing.Classes);
        // Ordinal order of the '/' relative paths: uppercase before lowercase, "a/deep/…" before "a/img_1".
        Assert.Equal(["Loose2.png", "a/deep/img_0.PNG", "a/img_1.png", "b/img_0.png", "loose.png"],
            listing.Items.Select(i => i.Path));
        Assert.Equal([-1, 0, 0, 1, -1], listing.Items.Select(i => i.Label));
        Assert.All(listing.Items, i => Assert.True(File.Exists(i.FullPath)));
    }

    [Fact]
    public void ReferenceFolderMatchesItsRecordedOrder()
    {
        var listing = ImageListing.Build([TestData.Path("reference", "rgb32_J2", "images")]);
        Assert.Equal(["cat", "noise"], listing.Classes);
        Assert.Equal(["cat/img_000.png", "cat/img_001.png", "cat/img_002.png", "noise/img_000.png", "noise/img_001.png", "noise/img_002.png"],
            listing.Items.Select(i => i.Path));
        Assert.Equal([0, 0, 0, 1, 1, 1], listing.Items.Select(i => i.Label));
    }

    [Fact]
    public void SeveralInputsUnionClassesAndPrefixPaths()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["one/zebra/x.png"], 8, 8);
        Fixtures.Png(dir["one/cat/y.png"], 8, 8);
        Fixtures.Png(dir["two/dog/z.png"], 8, 8);
        Fixtures.Png(dir["two/cat/w.png"], 8, 8);
        var file = Fixtures.Png(dir["single.png"], 8, 8);
        var one = dir["one"] + "/"; // a trailing separator does not double the '/'
        var two = dir["two"];

        var listing = ImageListing.Build([one, two, file]);

        Assert.Equal(["cat", "dog", "zebra"], listing.Classes);
        var p1 = dir["one"].Replace('\\', '/');
        var p2 = two.Replace('\\', '/');
        Assert.Equal([$"{p1}/cat/y.png", $"{p1}/zebra/x.png", $"{p2}/cat/w.png", $"{p2}/dog/z.png", file.Replace('\\', '/')],
            listing.Items.Select(i => i.Path));
        Assert.Equal([0, 2, 0, 1, -1], listing.Items.Select(i => i.Label));
    }

    [Fact]
    public void ImageFileKeepsItsPathAsGiven()
    {
        using var dir = new TempDir();
        var file = Fixtures.Png(dir["pic.JPG.png"], 8, 8);
        var listing = ImageListing.Build([file]);
        var item = Assert.Single(listing.Items);
        Assert.Equal(file.Replace('\\', '/'), item.Path);
        Assert.Equal(-1, item.Label);
        Assert.Empty(listing.Classes);
    }

    [Fact]
    public void MissingInputFails()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ScatException>(() => ImageListing.Build([dir["nope"]]));
        Assert.Contains("input not found", e.Message);
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public void FolderWithoutImagesFails()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty/cls"]);
        File.WriteAllText(dir["empty/cls/readme.txt"], "x");
        var e = Assert.Throws<ScatException>(() => ImageListing.Build([dir["empty"]]));
        Assert.Contains("no images found", e.Message);
    }

    [Theory]
    [InlineData("a.png", true)]
    [InlineData("a.JPEG", true)]
    [InlineData("a.Tif", true)]
    [InlineData("a.webp", true)]
    [InlineData("a.gif", true)]
    [InlineData("a.bmp", true)]
    [InlineData("a.txt", false)]
    [InlineData("png", false)]
    public void Extensions(string name, bool expected) => Assert.Equal(expected, ImageListing.HasImageExtension(name));
}
