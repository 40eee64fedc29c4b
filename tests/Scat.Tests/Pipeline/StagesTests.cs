using Scat.Backends;
using Scat.Cli;
using Scat.Formats;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Scat.Tests.Pipeline;

/// <summary>The staged extract: --limit, order across batches with skips, and a source plugged in from outside.</summary>
public class StagesTests
{
    private static string[] Paths(string npz)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(npz);
        using var s = NpyReader.OpenNpz(zip)["paths"]();
        return NpyReader.ReadUnicode(s).Data;
    }

    [Fact]
    public void LimitTakesTheFirstImagesOfTheListingBeforeSharding()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 7; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8, (x, y) => new Rgba32((byte)(i * 30), (byte)x, (byte)y, 255));
        var all = InProcess.Scat("extract", dir["in"], "-o", dir["all.npz"], "-J", "1", "-L", "2", "-q", "--device", "cpu");
        Assert.Equal(0, all.Exit);
        var limited = InProcess.Scat("extract", dir["in"], "-o", dir["lim.npz"], "-J", "1", "-L", "2", "-q", "--device", "cpu", "--limit", "5");
        Assert.Equal(0, limited.Exit);
        Assert.Equal(["0.png", "1.png", "2.png", "3.png", "4.png"], Paths(dir["lim.npz"]));
        var shard = InProcess.Scat("extract", dir["in"], "-o", dir["s.npz"], "-J", "1", "-L", "2", "-q", "--device", "cpu", "--limit", "5", "--shard", "1/2");
        Assert.Equal(0, shard.Exit);
        Assert.Equal(["2.png", "3.png", "4.png"], Paths(dir["s.npz"])); // shard 1 of 2 of the first 5: [2, 5)
        var more = InProcess.Scat("extract", dir["in"], "-o", dir["more.npz"], "-J", "1", "-L", "2", "-q", "--device", "cpu", "--limit", "70");
        Assert.Equal(0, more.Exit);
        Assert.Equal(Paths(dir["all.npz"]), Paths(dir["more.npz"]));
        var zero = InProcess.Scat("extract", dir["in"], "-o", dir["z.npz"], "--limit", "0");
        Assert.Equal(2, zero.Exit);
        Assert.Equal("scat: error: --limit must be at least 1, got 0\n", zero.Stderr);
    }

    [Fact]
    public void SkipsAcrossManyBatchesKeepListingOrder()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 23; i++)
        {
            if (i % 5 == 3) Fixtures.Corrupt(dir[$"in/{i:00}.png"]);
            else Fixtures.Png(dir[$"in/{i:00}.png"], 8, 8, (x, y) => new Rgba32((byte)(i * 10), (byte)x, (byte)y, 255));
        }
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], "-J", "1", "-L", "2", "--device", "cpu", "--batch-size", "2", "--threads", "3");
        Assert.Equal(0, run.Exit);
        var skipped = run.Stderr.Split('\n').Where(l => l.StartsWith("skipped ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["03", "08", "13", "18"], skipped.Select(l => Path.GetFileNameWithoutExtension(l.Split(':')[0].Split(' ')[1])));
        var expected = Enumerable.Range(0, 23).Where(i => i % 5 != 3).Select(i => $"{i:00}.png");
        Assert.Equal(expected, Paths(dir["f.npz"]));
    }

    /// <summary>A source that is not a folder: its items and pixels come from memory.</summary>
    private sealed class MemorySource(int count) : IImageSource
    {
        public ImageListing List() => new(["even", "odd"], Enumerable.Range(0, count).Select(i => new ImageItem($"mem:{i}", $"m{i}", i % 2)).ToList());

        public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken)
        {
            if (item.Path == "m2") throw new ImageDecodeException("not an image");
            return decoder.Decode(Fixture(item), cancellationToken);
        }

        public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder) => decoder.Identify(Fixture(item));

        public string Folder { get; } = Directory.CreateTempSubdirectory("scat-mem").FullName;

        private string Fixture(ImageItem item)
        {
            var path = Path.Combine(Folder, item.Path + ".png");
            lock (this) if (!File.Exists(path)) Fixtures.Png(path, 8, 8, (x, y) => new Rgba32((byte)(item.Label * 90), (byte)x, (byte)y, 255));
            return path;
        }
    }

    [Fact]
    public void AnImageSourceCanBePluggedIn()
    {
        using var dir = new TempDir();
        var source = new MemorySource(5);
        try
        {
            var err = new StringWriter();
            var options = new ExtractOptions { Inputs = ["unused"], Output = dir["f.npz"], J = 1, L = 2, BatchSize = 2, Device = new DeviceSpec(DeviceKind.Cpu, 0) };
            var result = new ExtractPipeline(options) { Source = source }.Run(err);
            Assert.Equal(4, result.Written);
            Assert.Equal(1, result.Skipped);
            Assert.Contains("skipped mem:2: not an image", err.ToString());
            Assert.Equal(["m0", "m1", "m3", "m4"], Paths(dir["f.npz"]));
        }
        finally { Directory.Delete(source.Folder, recursive: true); }
    }
}

/// <summary>Misspelt options are bad arguments naming the token; "scat" and "scat help" print the help.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("-j", "1", "-J")]
    [InlineData("--quiett", null, "--quiet")]
    [InlineData("--size64", null, "--size")]
    [InlineData("--ouput", "o.npz", "--output")]
    [InlineData("--frobnicate", null, null)]
    public void AMisspeltOptionIsExit2NamingIt(string option, string? value, string? suggestion)
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var args = new List<string> { "extract", dir["in"], "-o", dir["x.npz"], option };
        if (value is not null) args.Add(value);
        if (option == "--ouput") args.RemoveRange(2, 2);
        var run = InProcess.Scat([.. args]);
        Assert.Equal(2, run.Exit);
        var expected = $"scat: error: unknown option '{option}'{(suggestion is null ? "" : $"; did you mean {suggestion}?")} (see 'scat extract --help')\n";
        Assert.Equal(expected, run.Stderr);
        Assert.False(File.Exists(dir["x.npz"]));
    }

    [Theory]
    [InlineData("-J", "0", "--scale (J) must be at least 1, got 0")]
    [InlineData("-L", "0", "--angles (L) must be at least 1, got 0")]
    public void TheSameMistakeGetsTheSameWordingInEveryCommand(string option, string value, string message)
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var commands = new[]
        {
            new[] { "extract", dir["in"], "-o", dir["f.npz"] },
            ["show", dir["in/a.png"], "-o", dir["s.png"]],
            ["filters", "-o", dir["f.png"]],
            ["bench", "--size", "32", "--device", "cpu"],
        };
        foreach (var command in commands)
        {
            var run = InProcess.Scat([.. command, option, value]);
            Assert.Equal(2, run.Exit);
            Assert.Equal($"scat: error: {message}\n", run.Stderr);
        }
    }

    [Fact]
    public void AFileNamedLikeAnOptionIsGivenWithItsFolder()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["-x.png"], 8, 8);
        var run = InProcess.Scat("extract", Path.Combine(dir.Path, "-x.png"), "-o", dir["x.npy"], "-J", "1", "-q", "--device", "cpu");
        Assert.Equal(0, run.Exit);
        Assert.True(File.Exists(dir["x.npy"]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0, "help")]
    public void ScatAloneAndHelpPrintTheHelp(int exit, params string[] args)
    {
        var run = InProcess.Scat(args);
        Assert.Equal(exit, run.Exit);
        Assert.Contains("extract", run.Out);
        Assert.Contains("Usage:", run.Out);
        Assert.Equal("", run.Stderr);
    }
}

public class StandardOutputTests
{
    [Fact]
    public async Task BinaryOutputToATerminalIsRefused()
    {
        using var dir = new TempDir();
        Fixtures.Png(dir["in/a.png"], 8, 8);
        var run = await InProcess.ScatAsync(new ConsoleSetup(OutputIsTerminal: true), "extract", dir["in"], "-o", "-", "-J", "1");
        Assert.Equal(2, run.Exit);
        Assert.Equal("scat: error: standard output is a terminal: redirect it (e.g. > features.npy) or give -o FILE\n", run.Stderr);
        Assert.Empty(run.Stdout);
    }
}

public class OrderReportTests
{
    [Theory]
    [InlineData("1", "2", "1")] // order 2 at J = 1 has no order-2 channel: reported as 1 everywhere
    [InlineData("2", "2", "2")]
    [InlineData("2", "1", "1")]
    public void OrderIsReportedAlikeInEveryFormat(string j, string order, string reported)
    {
        using var dir = new TempDir();
        for (int i = 0; i < 2; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        foreach (var output in new[] { "f.npz", "f.parquet" })
        {
            Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir[output], "-J", j, "-L", "2", "--order", order, "-q", "--device", "cpu").Exit);
            var info = InProcess.Scat("info", dir[output]);
            Assert.Equal(0, info.Exit);
            var line = info.Out.Split('\n').Single(l => l.StartsWith("order:", StringComparison.Ordinal));
            Assert.Equal($"order:         {reported}", line);
        }
    }
}
