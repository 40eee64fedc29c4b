using Scat.Backends;
using Scat.Cli;
using Scat.Formats;
using Scat.Pipeline;
using Scat.Tests.Support;
using Xunit;

namespace Scat.Tests.Pipeline;

/// <summary>Issue 19: what a run tells its user: the progress bar from the first image, the closing line after
/// --resume, the size of a large output before the run.</summary>
public class RunReportTests
{
    private static (int Exit, string Stderr) Scat(bool terminal, params string[] args) =>
        InProcess.Scat(new ConsoleSetup(ErrorIsTerminal: terminal), args) is var r ? (r.Exit, r.Stderr) : default;

    private static void Images(TempDir dir, int n)
    {
        for (int i = 0; i < n; i++) Fixtures.Png(dir[$"in/{i}.png"], 16, 16);
    }

    [Fact]
    public void TheProgressBarShowsBeforeTheFirstBatchIsDone()
    {
        using var dir = new TempDir();
        Images(dir, 5);
        // On a terminal the bar is drawn at 0 of 5, before any batch is written (the pipeline's first progress is
        // Done = 0: ExtractCommandTests.PipelineReportsProgressAndResult), and ends at 5 of 5.
        var run = Scat(true, "extract", dir["in"], "-o", dir["g.npy"], "-J", "1", "-L", "2", "--batch-size", "2", "--device", "cpu");
        Assert.True(run.Exit == 0, run.Stderr);
        int start = run.Stderr.IndexOf("] 0/5 images", StringComparison.Ordinal), end = run.Stderr.IndexOf("] 5/5 images", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, run.Stderr);
    }

    [Fact]
    public void AfterResumeTheClosingLineSaysWhatWasComputedAndWhatWasKept()
    {
        using var dir = new TempDir();
        Images(dir, 5);
        string[] Args(params string[] extra) => ["extract", dir["in"], "-o", dir["out/p-{part}.npy"], "--part-size", "2", "-J", "1", "-L", "2",
            "--device", "cpu", .. extra];
        var first = Scat(false, Args());
        Assert.True(first.Exit == 0, first.Stderr);
        Assert.Matches(@"(?m)^5 images, 0 skipped, in [0-9.]+ s$", first.Stderr);
        File.Delete(dir["out/p-00001.npy"]);
        var again = Scat(false, Args("--resume"));
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Matches(@"(?m)^2 images computed, 3 kept from earlier parts, 0 skipped, in [0-9.]+ s$", again.Stderr);
    }

    [Fact]
    public void ALargeOutputIsAnnouncedBeforeTheRunUnlessQuiet()
    {
        using var dir = new TempDir();
        Images(dir, 5);
        ExtractOptions Options(string output, bool quiet = false) =>
            new() { Inputs = [dir["in"]], Output = dir[output], J = 1, L = 2, Quiet = quiet, Device = new(DeviceKind.Cpu, 0) };

        var err = new StringWriter();
        new ExtractPipeline(Options("f.npy")) { AnnounceOutputOver = 1000 }.Run(err);
        // The estimate is what was written: N x the floats per image x 4 bytes, the .npy's data.
        using var npy = File.OpenRead(dir["f.npy"]);
        var header = NpyReader.ReadHeader(npy);
        long floats = header.Shape[1..].Aggregate(1L, (a, b) => a * b);
        Assert.Equal(new FileInfo(dir["f.npy"]).Length - npy.Position, 5 * floats * 4);
        var line = Assert.Single(err.ToString().Split('\n'), l => l.StartsWith("this run writes about", StringComparison.Ordinal));
        Assert.Equal($"this run writes about 0.0 GB of features (5 images x {floats} float32 values)", line);

        foreach (var (options, over) in new[] { (Options("q.npy", quiet: true), 1000L), (Options("s.npy"), 5 * floats * 4) })
        {
            err = new StringWriter();
            new ExtractPipeline(options) { AnnounceOutputOver = over }.Run(err);
            Assert.DoesNotContain("this run writes", err.ToString());
        }
        // The command announces only on a terminal, above 1 GB: not for this small run.
        Assert.DoesNotContain("this run writes", Scat(true, "extract", dir["in"], "-o", dir["t.npy"], "-J", "1", "--device", "cpu").Stderr);
    }

    [Fact]
    public void TheCommandAnnouncesAnOutputOver1GBOnATerminalOnly()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 40; i++) Fixtures.Png(dir[$"in/{i}.png"], 8, 8);
        // 40 RGB images at 64², L = 100: 3 × 10201 channels × 16² positions × 4 bytes each, 1.25 GB. The output's folder
        // cannot be made (a file has its name), so the run fails when the writer opens, after the estimate and before
        // any transform.
        File.WriteAllText(dir["blocker"], "");
        var layout = new Scat.Transform.ScatteringLayout(64, 64, 2, 100, 2);
        long floats = 3L * layout.K * layout.OutHeight * layout.OutWidth;
        string expected = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"this run writes about {40 * floats * 4 / 1e9:0.0} GB of features (40 images x {floats} float32 values)\n");
        Assert.True(40 * floats * 4 > ExtractPipeline.LargeOutput);
        string[] args = ["extract", dir["in"], "-o", dir["blocker/f.npy"], "--size", "64", "-L", "100", "--batch-size", "1", "--device", "cpu"];
        var terminal = Scat(true, args);
        Assert.Equal(1, terminal.Exit);
        Assert.Contains(expected, terminal.Stderr);
        var redirected = Scat(false, args);
        Assert.Equal(1, redirected.Exit);
        Assert.DoesNotContain("this run writes", redirected.Stderr);
        var quiet = Scat(true, [.. args, "-q"]);
        Assert.Equal(1, quiet.Exit);
        Assert.DoesNotContain("this run writes", quiet.Stderr);
    }
}
