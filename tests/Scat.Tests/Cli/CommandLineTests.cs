using Scat.Bench;
using Scat.Cli;
using Scat.Cli.Commands;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Pipeline;
using Scat.Tests.Support;
using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Tests.Cli;

/// <summary>The command line as a newcomer meets it (issue 19): mistakes get one line in scat's words, help is grouped.</summary>
public class CommandLineTests
{
    private static (int Exit, string Out, string Err) Scat(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ScatApp.RunAsync(args, new CliConsole(new MemoryStream(), output, error, ErrorIsTerminal: false), CancellationToken.None)
            .GetAwaiter().GetResult();
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Exit 2 and exactly one line on stderr, which is returned.</summary>
    private static string UsageError(params string[] args)
    {
        var (exit, _, err) = Scat(args);
        Assert.Equal(2, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("scat: error: ", lines[0]);
        return lines[0];
    }

    [Fact]
    public void AMistypedCommandSuggestsTheCommand()
    {
        // Today's main said "unknown option '-o'; did you mean -??".
        Assert.Equal("scat: error: unknown command 'extrct'; did you mean extract? (see 'scat --help')", UsageError("extrct", "photos", "-o", "x.npz"));
        Assert.Equal("scat: error: unknown command 'frobnicate' (see 'scat --help')", UsageError("frobnicate"));
    }

    [Theory]
    [InlineData("extract")]
    [InlineData("bench")]
    [InlineData("info")]
    public void HelpCommandPrintsThatCommandsHelp(string command)
    {
        var help = Scat("help", command);
        Assert.Equal(0, help.Exit);
        Assert.Equal("", help.Err);
        Assert.Contains($" {command} ", help.Out.Split("Usage:")[1].Split('\n')[1]); // the usage line of that command
        Assert.Equal(Scat(command, "--help").Out, help.Out);
    }

    [Fact]
    public void VersionCommandPrintsWhatVersionOptionPrints()
    {
        var version = Scat("version");
        Assert.Equal(0, version.Exit);
        Assert.Equal(ScatInfo.Version, version.Out.Trim());
        Assert.Equal(Scat("--version").Out, version.Out);
    }

    [Theory]
    [InlineData("--scale (-J) takes a whole number, got 'two'", "extract", "in", "-o", "f.npz", "-J", "two")]
    [InlineData("--batch-size takes a whole number, got '1e3'", "bench", "--batch-size", "1e3")]
    [InlineData("--max-pixels takes a whole number, got 'lots'", "extract", "in", "-o", "f.npz", "--max-pixels", "lots")]
    [InlineData("--decode-timeout takes a number, got 'soon'", "extract", "in", "-o", "f.npz", "--decode-timeout", "soon")]
    [InlineData("--scale (-J) takes a whole number, got '2.5'", "bench", "-J", "2.5")]
    [InlineData("--size takes a whole number, got 'big'", "filters", "--size", "big", "-o", "f.png")]
    [InlineData("--angles (-L) takes a whole number, got 'eight'", "show", "x.png", "-L", "eight", "-o", "f.png")]
    public void ANumberThatIsNotOneNamesTheOption(string expected, params string[] args)
    {
        var line = UsageError(args);
        Assert.Contains(expected, line); // today: "Cannot parse argument 'two' for option '-J' as expected type 'System.Int32'"
        Assert.DoesNotContain("System.", line);
    }

    [Theory]
    [InlineData("unknown --pool 'avg': use none, mean or max", "extract", "in", "-o", "f.npz", "--pool", "avg")]
    [InlineData("unknown --fit 'cover': use crop, stretch or pad", "extract", "in", "-o", "f.npz", "--size", "8", "--fit", "cover")]
    [InlineData("unknown --color 'cmyk': use rgb or gray", "bench", "--color", "cmyk")]
    [InlineData("unknown --order '3': use 1 or 2", "show", "x.png", "--order", "3", "-o", "f.png")]
    [InlineData("unknown --dtype 'float64': use float32 or float16", "extract", "in", "-o", "f.npz", "--dtype", "float64")]
    [InlineData("unknown --decode 'fast': use scaled or exact", "bench", "--end-to-end", "in", "--decode", "fast")]
    [InlineData("unknown --compression 'lz4': use zstd, snappy, gzip or none", "extract", "in", "-o", "f.parquet", "--compression", "lz4")]
    [InlineData("unknown --padding 'mirror': use reflect, symmetric, zero or periodic", "bench", "--padding", "mirror")]
    public void AWrongChoiceNamesTheOptionAndTheChoices(string expected, params string[] args)
    {
        // Refused once, while parsing: today "Argument 'avg' not recognized. Must be one of: ..." without the option.
        var line = UsageError(args);
        Assert.Equal($"scat: error: {expected} (see 'scat {args[0]} --help')", line);
    }

    [Fact]
    public void TheSizeMessageIsTheSameInEveryCommand()
    {
        const string expected = "bad --size '3x': use N or HxW with positive integers, e.g. 32 or 48x64";
        Assert.Contains(expected, UsageError("extract", "in", "-o", "f.npz", "--size", "3x"));
        Assert.Contains(expected, UsageError("bench", "--size", "16,3x"));
        Assert.Contains(expected, UsageError("show", "x.png", "--size", "3x", "-o", "f.png"));
    }

    [Theory]
    // --colour was taken as a second --size value: today "bad --size '--colour'".
    [InlineData("unknown option '--colour'; did you mean --color? (see 'scat bench --help')", "bench", "--size", "64", "--colour", "gray")]
    [InlineData("unknown option '--sise'; did you mean --size? (see 'scat filters --help')", "filters", "--sise", "32", "-o", "f.png")]
    [InlineData("unknown option '--scal'; did you mean --scale? (see 'scat show --help')", "show", "x.png", "--scal", "3", "-o", "f.png")]
    // The first unknown option is named, also where an option takes it as its value (today: "unknown --fit '--colr'").
    [InlineData("unknown option '--colr'; did you mean --color? (see 'scat extract --help')", "extract", "in", "--fit", "--colr", "gray", "--sise", "8", "-o", "f.npz")]
    [InlineData("unknown option '--repeats'; did you mean --repeat? (see 'scat bench --help')", "bench", "--size", "16,32", "--repeats", "3", "--jsn")]
    public void EveryCommandSuggestsTheOption(string expected, params string[] args) =>
        Assert.Equal($"scat: error: {expected}", UsageError(args));

    [Fact]
    public void ExtractHelpGroupsTheOptionsAndGivesExamples()
    {
        var (exit, help, _) = Scat("extract", "--help");
        Assert.Equal(0, exit);
        string[] headings = ["Arguments:", "Input options:", "Image options:", "Transform options:", "Output options:", "Run options:", "Examples:"];
        var at = headings.Select(h => help.IndexOf("\n" + h + "\n", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, at);
        Assert.Equal(at.Order(), at); // in this order
        Assert.DoesNotContain("\nOptions:\n", help); // not one flat list
        Assert.Contains("\n  scat extract photos/ -o feats.npz\n", help);

        // Every option of extract is listed once, under a heading, with its default where it has one.
        var command = ScatApp.CreateRoot(new CliConsole(new MemoryStream(), TextWriter.Null, TextWriter.Null, false)).Subcommands.Single(c => c.Name == "extract");
        var rows = help.Split('\n').Where(l => l.StartsWith("  -", StringComparison.Ordinal)).Select(l => l.Trim().Split("  ")[0]).ToList();
        foreach (var option in command.Options)
            Assert.Single(rows, r => r.Split(' ', ',').Contains(option.Name));
        Assert.Equal(command.Options.Count + 1, rows.Count); // and --help, under "Other options"
        Assert.Contains("\nOther options:\n  -?, -h, --help ", help);
        Assert.Contains("--pool <none|mean|max>", help);
        Assert.Contains("[default: crop]", help);
    }

    [Fact]
    public void BenchTimesTheRealExtractSettingsEndToEnd()
    {
        var folder = TestData.Path("reference", "rgb32_J2", "images");
        var (exit, output, err) = Scat("bench", "--device", "cpu", "--end-to-end", folder, "--size", "24x20", "--fit", "pad", "--decode", "exact",
            "--pool", "mean", "--padding", "zero", "--renorm", "--log", "--batch-size", "2");
        Assert.True(exit == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("padding zero") && l.Contains("renorm") && l.Contains("log") && l.Contains("--pool mean"));
        Assert.Contains(lines, l => l.StartsWith("24x20", StringComparison.Ordinal) && l.Contains("cpu"));
    }

    [Fact]
    public void BenchRefusesDecodeOptionsWithoutEndToEnd() =>
        Assert.Equal("scat: error: --fit and --decode go with --end-to-end (an in-memory batch is not decoded)", UsageError("bench", "--decode", "exact"));

    [Fact]
    public void ShowResizesALargeImageAndSaysSo()
    {
        using var dir = new TempDir();
        var image = Fixtures.Png(dir["wide.png"], 640, 480, (x, y) => new Rgba32((byte)(x * 7 % 256), (byte)(y * 5 % 256), (byte)((x + y) % 256)));
        var (exit, _, err) = Scat("show", image, "-J", "2", "-L", "2", "--order", "1", "-o", dir["c.png"]);
        Assert.True(exit == 0, err);
        // 480 x 640 = 307200 pixels > 512²: the largest size of the same aspect within 512² pixels.
        Assert.Equal("wide.png: 480 x 640 pixels, resized to 443 x 591 (scat show transforms at most 512 x 512)", err.Trim());
        Assert.True(new FileInfo(dir["c.png"]).Length > 0);
    }

    [Theory]
    [InlineData(480, 640, 443, 591)]
    [InlineData(904, 558, 651, 402)]
    [InlineData(512, 512, 512, 512)]
    [InlineData(100, 3000, 93, 2804)]
    public void ShowsSizeKeepsTheAspectWithinTheLimit(int h, int w, int sh, int sw)
    {
        Assert.Equal((sh, sw), ShowOptions.ShownSize(h, w));
        Assert.True((long)sh * sw <= ShowOptions.MaxPixels);
        Assert.True((long)(sh + 1) * (sw + 1) > ShowOptions.MaxPixels || (sh, sw) == (h, w)); // no smaller than it needs
    }

    [Fact]
    public void ShowRefusesASizeAboveTheLimit() =>
        Assert.Contains("scat show transforms at most 512x512 pixels; --size 600x600 is more", UsageError("show", "x.png", "--size", "600", "-o", "f.png"));

    [Fact]
    public void ExtractOptionsValidateHoldsEveryRule()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        File.WriteAllText(dir["old.npz"], "mine");
        var o = new ExtractOptions { Inputs = [dir["in"]], Output = dir["f.npz"] };
        o.Validate();
        // Checked by the record itself (today in InputKinds.CheckOptions, PartedOutput.Validate and the pipeline).
        Assert.Equal("--image-ext applies to tar shard inputs only", Assert.Throws<ScatUsageException>(() => (o with { ImageExtension = "jpg" }).Validate()).Message);
        Assert.StartsWith("--dtype float16 is not available for a .parquet output", Assert.Throws<ScatUsageException>(
            () => (o with { Output = dir["f.parquet"], DType = FeatureDType.Float16 }).Validate()).Message);
        Assert.Equal("--resume goes with --part-size", Assert.Throws<ScatUsageException>(() => (o with { Resume = true }).Validate()).Message);
        Assert.Equal($"{dir["old.npz"]} exists; not replaced (--no-clobber)",
            Assert.Throws<ScatException>(() => (o with { Output = dir["old.npz"], NoClobber = true }).Validate()).Message);
        Assert.Equal("mine", File.ReadAllText(dir["old.npz"]));
        // A parted run's manifest too, before any stale temporary is removed; --resume continues its own run.
        File.WriteAllText(dir["MANIFEST.json"], "{}");
        var parted = o with { Output = dir["part-{part}.npy"], PartSize = 2, NoClobber = true };
        Assert.Equal($"{dir["MANIFEST.json"]} exists; not replaced (--no-clobber)", Assert.Throws<ScatException>(parted.Validate).Message);
        (parted with { Resume = true }).Validate();
    }

    [Fact]
    public void BenchShowAndFiltersOptionsValidateHoldEveryRule()
    {
        new BenchOptions().Validate();
        Assert.Equal("--warmup must be 0 or more, got -1", Assert.Throws<ScatUsageException>(() => new BenchOptions { Warmup = -1 }.Validate()).Message);
        Assert.StartsWith("J=3 needs images of at least 8 pixels on each side", Assert.Throws<ScatUsageException>(() => new BenchOptions { J = 3, Sizes = [(4, 16)] }.Validate()).Message);
        Assert.Equal("--end-to-end takes at most one --size (the images are resized to it)",
            Assert.Throws<ScatUsageException>(() => new BenchOptions { Input = "in", Sizes = [(8, 8), (16, 16)] }.Validate()).Message);

        new ShowOptions { Output = "c.png" }.Validate();
        Assert.Equal("the output must be a .png file, got 'c.jpg'", Assert.Throws<ScatUsageException>(() => new ShowOptions { Output = "c.jpg" }.Validate()).Message);
        Assert.Equal("--order must be 1 or 2, got 3", Assert.Throws<ScatUsageException>(() => new ShowOptions { Output = "c.png", Order = 3 }.Validate()).Message);

        new FiltersOptions { Output = "f.png" }.Validate();
        Assert.Equal("the output must be a .png file, got 'f'", Assert.Throws<ScatUsageException>(() => new FiltersOptions { Output = "f" }.Validate()).Message);
        Assert.Equal("--size must be between 8 and 1024 (got 4)", Assert.Throws<ScatUsageException>(() => new FiltersOptions { Output = "f.png", Size = 4 }.Validate()).Message);
    }

    [Fact]
    public void ResizeSpecOfBenchIsItsOneSizeWithFit() =>
        Assert.Equal(new ResizeSpec(24, 20, FitMode.Pad), new BenchOptions { Input = "in", Sizes = [(24, 20)], Fit = FitMode.Pad }.Resize);

    [Fact]
    public void CommandsWithoutHeadingsKeepTheDefaultHelp()
    {
        var (exit, help, _) = Scat("info", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("\nOptions:\n", help);
        Assert.Contains("--json", help);
    }
}
