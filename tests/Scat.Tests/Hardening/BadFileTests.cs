using System.Diagnostics;
using System.IO.Compression;
using Scat.Formats;
using Scat.Input.Decoding;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>Corrupt and odd files: each bad one skipped with one line, the odd ones read correctly.</summary>
public class BadFileTests
{
    private static float[] Planes(ImageDecoder decoder, string path, out int h, out int w)
    {
        using var image = decoder.Decode(path);
        (h, w) = (image.Height, image.Width);
        var planes = new float[image.Channels * h * w];
        image.CopyPlanes(planes);
        return planes;
    }

    private static string Reason(ImageDecoder decoder, string path)
    {
        var e = Assert.Throws<ImageDecodeException>(() => decoder.Decode(path));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void EachKindOfBadFileThrowsADecodeErrorWithOneLine()
    {
        using var dir = new TempDir();
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        var valid = BadFiles.NoisePng(dir["valid.png"], 64, 64);
        Assert.Equal("empty file", Reason(decoder, BadFiles.Empty(dir["empty.png"])));
        Assert.Equal("empty file", Assert.Throws<ImageDecodeException>(() => decoder.Identify(dir["empty.png"])).Message);
        Reason(decoder, BadFiles.Truncated(dir["half.png"], valid, 0.5));
        Reason(decoder, BadFiles.Truncated(dir["header-only.png"], valid, 0.02));
        Reason(decoder, BadFiles.Truncated(dir["half.jpg"], BadFiles.Jpeg(dir["valid.jpg"], 64, 64), 0.5));
        Assert.Equal("unknown or unsupported image format", Reason(decoder, BadFiles.Text(dir["text.jpg"])));
        Assert.Equal("unknown or unsupported image format", Reason(decoder, BadFiles.Unsupported(dir["doc.tif"])));
        Assert.Equal("file not found", Reason(decoder, dir["gone.png"]));
        File.CreateSymbolicLink(dir["loop.png"], dir["loop.png"]);
        Reason(decoder, dir["loop.png"]);
        Directory.CreateDirectory(dir["folder.png"]);
        Reason(decoder, dir["folder.png"]);
    }

    [PermissionFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void UnreadableFileIsSkippedUnlessRoot()
    {
        using var dir = new TempDir();
        var path = BadFiles.NoisePng(dir["locked.png"], 8, 8);
        File.SetUnixFileMode(path, UnixFileMode.None);
        Assert.Contains("denied", Reason(new ImageDecoder(ColorMode.Rgb, null), path));
    }

    [Fact]
    public void CmykJpegIsConvertedToRgb()
    {
        using var dir = new TempDir();
        var rgb = Planes(new ImageDecoder(ColorMode.Rgb, null), BadFiles.CmykJpeg(dir["cmyk.jpg"]), out int h, out int w);
        Assert.Equal((16, 24), (h, w));
        int plane = h * w, left = 8 * w + 3, right = 8 * w + 20;
        // Cyan (C = 200/255): R ≈ 55/255, G = B ≈ 1; black ink: all ≈ 0 (JPEG: loose tolerance).
        Assert.InRange(rgb[left], 0.1f, 0.35f);
        Assert.InRange(rgb[plane + left], 0.9f, 1f);
        Assert.InRange(rgb[2 * plane + left], 0.9f, 1f);
        Assert.InRange(rgb[right], 0f, 0.08f);
        Assert.InRange(rgb[2 * plane + right], 0f, 0.08f);
    }

    [Fact]
    public void PaletteAlphaAndSixteenBitPngsAreRead()
    {
        using var dir = new TempDir();
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        var palette = Planes(decoder, BadFiles.PalettePng(dir["palette.png"], 6, 4), out _, out _);
        Assert.Equal([1f, 0f, 0f], new[] { palette[0], palette[24], palette[48] }); // (0, 0) is red
        Assert.Equal([0f, 0f, 1f], new[] { palette[1], palette[25], palette[49] }); // (1, 0) is blue
        var alpha = Planes(decoder, BadFiles.AlphaPng(dir["alpha.png"], 4, 2), out _, out _);
        Assert.Equal([200 / 255f, 200 / 255f], new[] { alpha[0], alpha[3] }); // colour kept whatever the alpha, alpha dropped
        Assert.Equal(3 * 8, alpha.Length);
        var deep = Planes(decoder, BadFiles.DeepPng(dir["deep.png"], 3, 2), out _, out _);
        Assert.Equal((float)(4000 / 65535.0), deep[1]);
        Assert.Equal((float)(40000 / 65535.0), deep[2 * 6 + 5]);
    }

    [Fact]
    public void ExifRotatedJpegIsOrientedAndAnimatedGifGivesItsFirstFrame()
    {
        using var dir = new TempDir();
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        Planes(decoder, BadFiles.Jpeg(dir["rot8.jpg"], 16, 8, orientation: 8), out int h, out int w);
        Assert.Equal((16, 8), (h, w));
        Assert.Equal((16, 8), decoder.Identify(dir["rot8.jpg"]));
        var gif = Planes(decoder, BadFiles.AnimatedGif(dir["anim.gif"], 5, 3), out h, out w);
        Assert.Equal((3, 5), (h, w));
        Assert.All(gif[..15], v => Assert.Equal(1f, v));   // red
        Assert.All(gif[30..], v => Assert.Equal(0f, v));   // no blue
    }

    [Fact]
    public void BombIsRefusedFromItsHeaderAtOnce()
    {
        using var dir = new TempDir();
        var bomb = BadFiles.BombPng(dir["bomb.png"], 100_000, 100_000);
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        // The header check runs on this thread: its own allocations are what the bomb could make it take.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var reason = Reason(decoder, bomb);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated too much");
        Assert.Equal("height 100000, width 100000 is 10000000000 pixels, more than --max-pixels 100000000", reason);
        Assert.Contains("--max-pixels", Assert.Throws<ImageDecodeException>(() => decoder.Identify(bomb)).Message);
        // A lower limit refuses ordinary images too.
        Assert.Contains("--max-pixels 100", Reason(new ImageDecoder(ColorMode.Rgb, null, maxPixels: 100), BadFiles.NoisePng(dir["a.png"], 11, 10)));
    }

    [Fact]
    public void AllocatorLimitStopsABombAllowedByMaxPixels()
    {
        using var dir = new TempDir();
        // 20000 x 20000 RGBA is 1.6 GB: over the allocator's limit even when --max-pixels lets it through.
        var bomb = BadFiles.BombPng(dir["bomb.png"], 20_000, 20_000);
        var clock = Stopwatch.StartNew();
        Reason(new ImageDecoder(ColorMode.Rgb, null, maxPixels: long.MaxValue), bomb);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    /// <summary>The corpus of the issue: valid and odd files side by side with every kind of bad one.</summary>
    private static (string[] Good, string[] Bad) Corpus(TempDir dir)
    {
        var good = new List<string>
        {
            BadFiles.NoisePng(dir["in/a/plain.png"], 20, 20),
            BadFiles.PalettePng(dir["in/a/palette.png"], 20, 20),
            BadFiles.AlphaPng(dir["in/a/alpha.png"], 20, 20),
            BadFiles.DeepPng(dir["in/b/deep16.png"], 20, 20),
            BadFiles.Jpeg(dir["in/b/rotated.jpg"], 30, 20, orientation: 6),
            BadFiles.AnimatedGif(dir["in/b/anim.gif"], 20, 20),
            BadFiles.CmykJpeg(dir["in/b/cmyk.jpg"]),
            BadFiles.NoisePng(dir["in/b/name with spaces é ü 漢字.png"], 20, 20),
        };
        var bad = new List<string>
        {
            BadFiles.Empty(dir["in/a/empty.png"]),
            BadFiles.Truncated(dir["in/a/truncated.png"], BadFiles.NoisePng(dir["src.png"], 64, 64), 0.5),
            BadFiles.Text(dir["in/a/not an image.jpg"]),
            BadFiles.Unsupported(dir["in/b/document.tiff"]),
            BadFiles.BombPng(dir["in/b/bomb.png"], 100_000, 100_000),
        };
        File.CreateSymbolicLink(dir["in/b/self loop.png"], dir["in/b/self loop.png"]);
        bad.Add(dir["in/b/self loop.png"]);
        Directory.CreateSymbolicLink(dir["in/b/loopdir"], dir["in"]); // a folder loop: must not recurse for ever
        if (!Permissions.IsRoot && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(BadFiles.NoisePng(dir["in/b/unreadable.png"], 20, 20), UnixFileMode.None);
            bad.Add(dir["in/b/unreadable.png"]);
        }
        return (good.ToArray(), bad.ToArray());
    }

    private static string Rel(TempDir dir, string full) => Path.GetRelativePath(dir["in"], full).Replace('\\', '/');

    [Fact]
    public void MixedCorpusGivesExactlyTheValidImagesAndNamesEachBadFile()
    {
        using var dir = new TempDir();
        var (good, bad) = Corpus(dir);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.npz"], "--size", "16", "-J", "1", "-L", "2",
            "--threads", "2", "--batch-size", "3", "--skipped", dir["out/skipped.tsv"]);
        Assert.True(run.Exit == 0, run.Stderr);

        using (var zip = ZipFile.OpenRead(dir["out/f.npz"]))
        {
            using var s = NpyReader.OpenNpz(zip)["paths"]();
            var paths = NpyReader.ReadUnicode(s).Data;
            var expected = good.Select(g => Rel(dir, g)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, paths);
        }
        var lines = InProcess.Lines(run.Stderr);
        foreach (var b in bad)
            Assert.Single(lines, l => l.StartsWith($"skipped {b}: ", StringComparison.Ordinal));
        Assert.Equal(bad.Length, lines.Count(l => l.StartsWith("skipped ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith($"{good.Length} images, {bad.Length} skipped, in ", StringComparison.Ordinal));
        Assert.Contains("height 100000, width 100000", run.Stderr);

        // --skipped: PATH TAB REASON, in listing order, the same reasons as on stderr.
        var listed = File.ReadAllLines(dir["out/skipped.tsv"]).Select(l => l.Split('\t')).ToArray();
        Assert.All(listed, f => Assert.Equal(2, f.Length));
        Assert.Equal(bad.Order(StringComparer.Ordinal), listed.Select(f => f[0]).Order(StringComparer.Ordinal));
        foreach (var f in listed) Assert.Contains($"skipped {f[0]}: {f[1]}", lines);
        Assert.Empty(BadFiles.Temporaries(dir["out"]));
    }

    [Fact]
    public void StrictFailsOnTheFirstBadFileLeavingNoOutput()
    {
        using var dir = new TempDir();
        Corpus(dir);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.npz"], "--size", "16", "-J", "1", "-L", "2", "--strict", "--device", "cpu");
        Assert.Equal(1, run.Exit);
        var line = Assert.Single(InProcess.Lines(run.Stderr));
        Assert.StartsWith($"scat: error: cannot decode {dir["in/a/empty.png"]}: empty file", line); // first in listing order
        Assert.False(Directory.Exists(dir["out"]));
    }

    [Fact]
    public void EverySkippedFailsAndStillWritesTheSkippedList()
    {
        using var dir = new TempDir();
        BadFiles.Empty(dir["in/a.png"]);
        BadFiles.Text(dir["in/b.png"]);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npy"], "--skipped", dir["skipped.txt"]);
        Assert.Equal(1, run.Exit);
        Assert.Contains("scat: error: no image could be decoded (2 files skipped)", run.Stderr);
        Assert.False(File.Exists(dir["f.npy"]));
        Assert.Equal(2, File.ReadAllLines(dir["skipped.txt"]).Length);
    }

    [Fact]
    public void SkippedListIsEmptyWhenNothingIsSkippedAndEscapesTabs()
    {
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/a.png"], 8, 8);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npy"], "-J", "1", "--skipped", dir["s.tsv"]);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal("", File.ReadAllText(dir["s.tsv"]));

        BadFiles.Empty(dir["in/tab\there.png"]);
        run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npy"], "-J", "1", "--skipped", dir["s.tsv"]);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal($"{dir["in"]}/tab\\there.png\tempty file\n", File.ReadAllText(dir["s.tsv"]));
    }

    [Fact]
    public void StandardOutputFailsWhenAFileWithAGoodHeaderDoesNotDecode()
    {
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/a.png"], 64, 64);
        BadFiles.Truncated(dir["in/b.png"], dir["in/a.png"], 0.5);
        BadFiles.Empty(dir["in/c.png"]); // fails its header check: skipped
        var run = InProcess.Scat("extract", dir["in"], "-o", "-", "-J", "1", "-L", "2");
        Assert.Equal(1, run.Exit);
        Assert.Contains($"skipped {dir["in/c.png"]}: empty file", run.Stderr);
        Assert.Contains($"scat: error: cannot decode {dir["in/b.png"]}", run.Stderr);
    }
}
