using System.IO.Compression;
using Scat.Backends;
using Scat.Cli;
using Scat.Formats;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Scat.Tests.Cli;

public class ExtractCommandTests
{
    /// <summary>What the engine gives for the decoded pixels of the files, as the pipeline should write them.</summary>
    private static float[] Expected(IEnumerable<string> files, ColorMode color, ResizeSpec? resize, int j, int l, int order)
    {
        var decoder = new ImageDecoder(color, resize);
        var planes = new List<float>();
        int h = 0, w = 0, n = 0;
        foreach (var f in files)
        {
            using var image = decoder.Decode(f);
            (h, w) = (image.Height, image.Width);
            var p = new float[image.Channels * h * w];
            image.CopyPlanes(p);
            planes.AddRange(p);
            n++;
        }
        var layout = new ScatteringLayout(h, w, j, l, order);
        using var engine = EngineFactory.Create(new DeviceSpec(DeviceKind.Cpu, 0), layout, 1);
        var output = new float[n * decoder.Channels * layout.OutputPerPlane];
        engine.Transform(planes.ToArray(), n * decoder.Channels, output);
        return output;
    }

    private static Dictionary<string, object> ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, object>();
        foreach (var (name, open) in NpyReader.OpenNpz(zip))
        {
            using var s = open();
            var header = NpyReader.ReadHeader(s);
            using var again = open();
            result[name] = header.Descr switch
            {
                "<f4" => NpyReader.ReadFloat32(again),
                "<i8" => NpyReader.ReadInt64(again),
                _ => NpyReader.ReadUnicode(again),
            };
        }
        return result;
    }

    private static string[] FilesIn(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void NpzOfAClassFolder()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.npz"], "--angles", "4", "--batch-size", "2", "--threads", "2");

        Assert.Equal(0, run.Exit);
        Assert.Empty(run.Stdout);
        var lines = InProcess.Lines(run.Stderr);
        Assert.Contains(lines, l => l.StartsWith("device: cpu", StringComparison.Ordinal));
        Assert.Matches(@"^5 images, 0 skipped, in \d+\.\d s$", lines[^1]);
        Assert.Equal(["f.npz"], FilesIn(dir["out"]));

        var npz = ReadNpz(dir["out/f.npz"]);
        var (fh, features) = ((NpyHeader, float[]))npz["features"];
        var layout = new ScatteringLayout(16, 16, 2, 4, 2);
        Assert.Equal([5L, 3, layout.K, layout.OutHeight, layout.OutWidth], fh.Shape);
        Assert.Equal(["Loose2.png", "a/deep/img_0.PNG", "a/img_1.png", "b/img_0.png", "loose.png"], (((NpyHeader, string[]))npz["paths"]).Item2);
        Assert.Equal([-1L, 0, 0, 1, -1], (((NpyHeader, long[]))npz["labels"]).Item2);
        Assert.Equal(["a", "b"], (((NpyHeader, string[]))npz["classes"]).Item2);
        Assert.Equal([2L], (((NpyHeader, long[]))npz["J"]).Item2);
        Assert.Equal([4L], (((NpyHeader, long[]))npz["L"]).Item2);
        Assert.Equal(layout.Channels.Select(c => (long)c.J2), (((NpyHeader, long[]))npz["j2"]).Item2);

        var files = new[] { "Loose2.png", "a/deep/img_0.PNG", "a/img_1.png", "b/img_0.png", "loose.png" }.Select(p => Path.Combine(dir["in"], p));
        Assert.Equal(Expected(files, ColorMode.Rgb, null, 2, 4, 2), features);
    }

    [Fact]
    public void ReferenceImagesGiveTheEngineOutputOfTheirPixels()
    {
        var folder = TestData.Path("reference", "gray48x64_J3", "images");
        using var dir = new TempDir();
        var run = InProcess.Scat("extract", folder, "-o", dir["g.npz"], "-J", "3", "--color", "gray", "-q");
        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Stderr);
        var npz = ReadNpz(dir["g.npz"]);
        var (h, features) = ((NpyHeader, float[]))npz["features"];
        var layout = new ScatteringLayout(48, 64, 3, 8, 2);
        Assert.Equal([4L, 1, layout.K, layout.OutHeight, layout.OutWidth], h.Shape);
        Assert.Equal(["brick", "grass"], (((NpyHeader, string[]))npz["classes"]).Item2);
        var files = ImageListing.Build([folder]).Items.Select(i => i.FullPath);
        Assert.Equal(Expected(files, ColorMode.Gray, null, 3, 8, 2), features);
    }

    [Fact]
    public void StandardOutputBytesEqualTheNpyFile()
    {
        var folder = TestData.Path("reference", "rgb33x45_J2_L4_order1", "images");
        using var dir = new TempDir();
        var file = InProcess.Scat("extract", folder, "-o", dir["f.npy"], "-L", "4", "--order", "1");
        var piped = InProcess.Scat("extract", folder, "-o", "-", "-L", "4", "--order", "1", "--batch-size", "1");
        Assert.Equal(0, file.Exit);
        Assert.Equal(0, piped.Exit);
        Assert.Equal(File.ReadAllBytes(dir["f.npy"]), piped.Stdout);
        using var s = new MemoryStream(piped.Stdout);
        var (h, data) = NpyReader.ReadFloat32(s);
        var layout = new ScatteringLayout(33, 45, 2, 4, 1);
        Assert.Equal([2L, 3, layout.K, layout.OutHeight, layout.OutWidth], h.Shape);
        Assert.Equal(Expected(ImageListing.Build([folder]).Items.Select(i => i.FullPath), ColorMode.Rgb, null, 2, 4, 1), data);
    }

    [Fact]
    public void SeveralInputsPrefixPathsAndUnionClasses()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["x/dog/1.png"], 8, 8);
        Fixtures.Png(dir["y/cat/2.png"], 8, 8);
        var loose = Fixtures.Png(dir["z.png"], 8, 8);
        var run = InProcess.Scat("extract", dir["x"], dir["y"], loose, "-o", dir["f.npz"], "-J", "1", "-L", "2");
        Assert.Equal(0, run.Exit);
        var npz = ReadNpz(dir["f.npz"]);
        var x = dir["x"].Replace('\\', '/');
        var y = dir["y"].Replace('\\', '/');
        Assert.Equal([$"{x}/dog/1.png", $"{y}/cat/2.png", loose.Replace('\\', '/')], (((NpyHeader, string[]))npz["paths"]).Item2);
        Assert.Equal(["cat", "dog"], (((NpyHeader, string[]))npz["classes"]).Item2);
        Assert.Equal([1L, 0, -1], (((NpyHeader, long[]))npz["labels"]).Item2);
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("stretch")]
    [InlineData("pad")]
    public void SizeResizesMixedImages(string fit)
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 20, 30);
        Fixtures.Png(dir["in/b.png"], 41, 17);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npy"], "--size", "16x24", "--fit", fit, "-L", "2");
        Assert.Equal(0, run.Exit);
        using var s = File.OpenRead(dir["f.npy"]);
        var (h, data) = NpyReader.ReadFloat32(s);
        var layout = new ScatteringLayout(16, 24, 2, 2, 2);
        Assert.Equal([2L, 3, layout.K, layout.OutHeight, layout.OutWidth], h.Shape);
        Assert.True(ResizeSpec.TryParseFit(fit, out var mode));
        Assert.Equal(Expected([dir["in/a.png"], dir["in/b.png"]], ColorMode.Rgb, new ResizeSpec(16, 24, mode), 2, 2, 2), data);
    }

    [Fact]
    public void MixedSizesWithoutSizeFailNamingTheImage()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 16, 16);
        Fixtures.Png(dir["in/b.png"], 16, 16);
        Fixtures.Png(dir["in/c.png"], 20, 16);
        foreach (var output in new[] { dir["f.npz"], "-" })
        {
            // Refused from the headers, before any transform: a usage error naming the ways out.
            var run = InProcess.Scat("extract", dir["in"], "-o", output, "--batch-size", "2");
            Assert.Equal(2, run.Exit);
            var line = Assert.Single(InProcess.Lines(run.Stderr), l => l.StartsWith("scat: error:", StringComparison.Ordinal));
            Assert.Contains("c.png is height 16, width 20 but the images before it are height 16, width 16", line);
            Assert.Contains("--size", line);
            Assert.Contains("--pool", line);
            Assert.Contains(".parquet", line);
            Assert.Empty(run.Stdout);
        }
        Assert.Equal([], FilesIn(dir.Path));
    }

    [Fact]
    public void CorruptFileIsSkippedOrFailsUnderStrict()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        Fixtures.Corrupt(dir["in/b.png"]);
        Fixtures.Png(dir["in/c.png"], 8, 8);

        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], "-J", "1", "-L", "2");
        Assert.Equal(0, run.Exit);
        var lines = InProcess.Lines(run.Stderr);
        Assert.Single(lines, l => l.StartsWith("skipped ", StringComparison.Ordinal) && l.Contains("b.png: "));
        Assert.Equal("2 images, 1 skipped", lines[^1][..19]);
        Assert.Equal(["a.png", "c.png"], (((NpyHeader, string[]))ReadNpz(dir["f.npz"])["paths"]).Item2);

        // -o - reads every header first, so the corrupt file is dropped before the header is written.
        var piped = InProcess.Scat("extract", dir["in"], "-o", "-", "-J", "1", "-L", "2");
        Assert.Equal(0, piped.Exit);
        Assert.Contains(InProcess.Lines(piped.Stderr), l => l.StartsWith("skipped ", StringComparison.Ordinal));
        Assert.Equal(2, NpyReader.ReadHeader(new MemoryStream(piped.Stdout)).Shape[0]);

        var strict = InProcess.Scat("extract", dir["in"], "-o", dir["s.npz"], "-J", "1", "-L", "2", "--strict");
        Assert.Equal(1, strict.Exit);
        Assert.Contains("scat: error: cannot decode", strict.Stderr);
        Assert.Contains("b.png", strict.Stderr);
        Assert.Equal(["f.npz"], FilesIn(dir.Path));
    }

    [Fact]
    public void TerminalGetsAProgressBarErasedBeforeOtherLines()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 4; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        Fixtures.Corrupt(dir["in/2b.png"]);
        // A .parquet output: no header pass first (an unpooled .npy reads every header first, and skips the bad ones then).
        var run = InProcess.Scat(new ConsoleSetup(ErrorIsTerminal: true), "extract", dir["in"], "-o", dir["f.parquet"], "-J", "1", "-L", "2", "--batch-size", "2");
        Assert.Equal(0, run.Exit);
        Assert.Contains("5/5 images", run.Stderr);
        Assert.Contains("img/s", run.Stderr);
        Assert.Contains("\r\x1b[2Kskipped ", run.Stderr);
        Assert.Contains("\r\x1b[2K4 images, 1 skipped, in ", run.Stderr);
        Assert.Equal("", InProcess.Scat(new ConsoleSetup(ErrorIsTerminal: true), "extract", dir["in"], "-o", dir["g.npy"], "-J", "1", "-q").Stderr);
    }

    [Fact]
    public void QuietLeavesOnlyErrors()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        Fixtures.Corrupt(dir["in/b.png"]);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npy"], "-J", "1", "--quiet");
        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void EveryFileSkippedFailsAndLeavesAnExistingOutputUntouched()
    {
        using var dir = new TempDir();
        Fixtures.Corrupt(dir["in/a.png"]);
        Fixtures.Corrupt(dir["in/b.png"]);
        File.WriteAllText(dir["f.npz"], "old");
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"]);
        Assert.Equal(1, run.Exit);
        Assert.Contains("scat: error: no image could be decoded (2 files skipped)", run.Stderr);
        Assert.Equal("old", File.ReadAllText(dir["f.npz"]));
        Assert.Equal(["f.npz"], FilesIn(dir.Path));
    }

    [Fact]
    public void FailureAfterWritingStartedLeavesNoTemporaryFile()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 6; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        Directory.CreateDirectory(dir["out"]);
        File.WriteAllBytes(dir["out/f.npy"], [1, 2, 3]);
        // The --skipped list, written after the last batch, cannot be (its folder is a file).
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.npy"], "--batch-size", "3", "-J", "1", "--skipped", dir["out/f.npy"] + "/s.txt");
        Assert.Equal(1, run.Exit);
        Assert.Equal(["f.npy"], FilesIn(dir["out"]));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(dir["out/f.npy"]));
    }

    [Fact]
    public void JTooLargeFailsWithOneLine()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["o/f.npz"], "-J", "4");
        Assert.Equal(1, run.Exit);
        var error = Assert.Single(InProcess.Lines(run.Stderr), l => l.StartsWith("scat: error:", StringComparison.Ordinal));
        Assert.Contains("J=4", error);
        Assert.False(Directory.Exists(dir["o"]));

        // With --size the combination is impossible before any file is read: a bad argument (exit 2).
        var sized = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], "-J", "5", "--size", "16");
        Assert.Equal(2, sized.Exit);
        Assert.Contains("scat: error: J=5", sized.Stderr);
    }

    [Fact]
    public void MissingAndEmptyInputsFail()
    {
        using var dir = new TempDir();
        var missing = InProcess.Scat("extract", dir["nope"], "-o", dir["f.npz"]);
        Assert.Equal(1, missing.Exit);
        Assert.Contains($"scat: error: input not found: {dir["nope"]}", missing.Stderr);

        Directory.CreateDirectory(dir["empty"]);
        var empty = InProcess.Scat("extract", dir["empty"], "-o", dir["f.npz"]);
        Assert.Equal(1, empty.Exit);
        Assert.Contains("scat: error: no images found in", empty.Stderr);
        Assert.Equal([], FilesIn(dir.Path));
    }

    [Theory]
    [InlineData("--device", "tpu")]
    [InlineData("--size", "12x")]
    [InlineData("--order", "3")]
    [InlineData("--color", "cmyk")]
    [InlineData("--fit", "zoom")]
    [InlineData("--batch-size", "0")]
    [InlineData("--threads", "-1")]
    [InlineData("-J", "0")]
    [InlineData("-J", "two")]
    public void BadArgumentsExitWith2(string option, string value)
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], option, value);
        Assert.Equal(2, run.Exit);
        Assert.StartsWith("scat: error: ", run.Stderr);
        Assert.Equal([], FilesIn(dir.Path));
    }

    [Fact]
    public void UnknownOutputExtensionAndMissingOutputAreBadArguments()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.csv"]);
        Assert.Equal(2, run.Exit);
        Assert.Contains("unknown output format", run.Stderr);
        Assert.Equal(2, InProcess.Scat("extract", dir["in"]).Exit);
        var alone = InProcess.Scat(); // no command: the help, and exit code 1 (nothing was done)
        Assert.Equal(1, alone.Exit);
        Assert.Contains("Usage:", alone.Out);
    }

    [Fact]
    public void UnavailableDeviceIsAFailedRun()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        // A corrupt file: had anything been decoded before the device check, a "skipped" line would show it.
        File.WriteAllText(dir["in/b.png"], "not a png");
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], "--device", "cuda:99");
        Assert.Equal(1, run.Exit);
        var line = Assert.Single(InProcess.Lines(run.Stderr));
        Assert.StartsWith("scat: error: device cuda:99", line);
        Assert.Contains("CUDA", line);
        Assert.False(File.Exists(dir["f.npz"]));
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => Path.GetFileName(f).StartsWith(".f.npz"));
    }

    [Fact]
    public void HelpListsEveryOptionWithItsDefault()
    {
        var help = InProcess.Scat("extract", "--help");
        Assert.Equal(0, help.Exit);
        foreach (var option in new[] { "--output", "--scale", "--angles", "--order", "--color", "--size", "--fit", "--device", "--batch-size", "--threads", "--quiet", "--strict" })
            Assert.Contains(option, help.Out);
        Assert.Contains("[default: 64]", help.Out);
        Assert.Contains("[default: crop]", help.Out);
        Assert.Contains("[default: auto]", help.Out);
        Assert.Contains("extract", InProcess.Scat("--help").Out);
        var version = InProcess.Scat("--version");
        Assert.Equal(0, version.Exit);
        Assert.Equal("0.2.0", version.Out.Trim());
    }

    [Fact]
    public void CancellationLeavesNoOutput()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 6; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        using var cts = new CancellationTokenSource();
        var options = new ExtractOptions { Inputs = [dir["in"]], Output = dir["f.npz"], J = 1, L = 2, BatchSize = 2, Quiet = true };
        var pipeline = new ExtractPipeline(options) { Progress = p => { if (p.Done >= 2) cts.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Run(TextWriter.Null, cts.Token));
        Assert.Equal([], FilesIn(dir.Path));
    }

    /// <summary>Standard output that cancels the run once the first bytes went through (as Ctrl-C would, mid-stream).</summary>
    private sealed class CancelOnWrite(CancellationTokenSource cancel) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) { base.Write(buffer, offset, count); cancel.Cancel(); }
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    [Fact]
    public async Task AnInterruptedStandardOutputSaysHowManyBytesWereStreamed()
    {
        // README: "After an interrupt, -o - says how many bytes of an incomplete NPY were already streamed."
        using var dir = new TempDir();
        for (int i = 0; i < 8; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        using var cts = new CancellationTokenSource();
        var stdout = new CancelOnWrite(cts);
        var err = new StringWriter();
        var console = new CliConsole(stdout, new StringWriter(), err, ErrorIsTerminal: false) { OutputIsTerminal = false };
        int exit = await ScatApp.RunAsync(["extract", dir["in"], "-o", "-", "-J", "1", "--batch-size", "2", "--device", "cpu", "-q"], console, cts.Token);
        Assert.Equal(130, exit);
        Assert.True(stdout.Length > 0);
        Assert.Equal($"scat: error: interrupted; {stdout.Length} bytes of an incomplete NPY were written to standard output", Assert.Single(InProcess.Lines(err.ToString())));
    }

    [Fact]
    public void PipelineReportsProgressAndResult()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 5; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8, (x, y) => new Rgba32((byte)(i * 10), (byte)x, (byte)y, 255));
        var seen = new List<ExtractProgress>();
        var options = new ExtractOptions { Inputs = [dir["in"]], Output = dir["f.npy"], J = 1, L = 2, BatchSize = 2, Device = new DeviceSpec(DeviceKind.Cpu, 0) };
        var err = new StringWriter();
        var result = new ExtractPipeline(options) { Progress = seen.Add }.Run(err);
        Assert.Equal(5, result.Written);
        Assert.Equal(0, result.Skipped);
        Assert.Equal([0, 2, 4, 5], seen.Select(p => p.Done)); // 0: before the first batch, so that a bar shows from the start (issue 19)
        Assert.All(seen, p => Assert.Equal(5, p.Total));
        Assert.DoesNotContain("device:", err.ToString()); // an explicit cpu has no notice
    }
}
