using System.Text.Json;
using Scat.Cli;
using Scat.Tests.Support;

namespace Scat.Tests.Cli;

public class BenchCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Scat(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = await ScatApp.RunAsync(args, new CliConsole(new MemoryStream(), o, e, ErrorIsTerminal: false), CancellationToken.None);
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task JsonHasOneObjectPerConfigurationAndNothingElse()
    {
        var (exit, output, _) = await Scat("bench", "--device", "cpu", "--size", "16,12x20", "--batch-size", "2", "--repeat", "2", "--warmup", "0", "--json");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var sizes = new List<(int, int)>();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            Assert.Equal("cpu", r.GetProperty("device").GetString());
            Assert.Equal(2, r.GetProperty("batch").GetInt32());
            Assert.Equal(3, r.GetProperty("channels").GetInt32());
            Assert.Equal(2, r.GetProperty("J").GetInt32());
            Assert.Equal(8, r.GetProperty("L").GetInt32());
            Assert.Equal(2, r.GetProperty("order").GetInt32());
            double median = r.GetProperty("median_s").GetDouble(), min = r.GetProperty("min_s").GetDouble();
            Assert.True(min > 0 && min <= median);
            // The filter bank's build, timed apart (once per size and process: 0 or more).
            Assert.True(r.GetProperty("bank_s").GetDouble() >= 0);
            Assert.Equal(2 / median, r.GetProperty("images_per_s").GetDouble(), 0.01 * 2 / median);
            var m = r.GetProperty("machine");
            Assert.True(m.GetProperty("cores").GetInt32() >= 1);
            Assert.False(string.IsNullOrEmpty(m.GetProperty("cpu").GetString()));
            Assert.Contains(m.GetProperty("simd_width").GetInt32(), new[] { 0, 128, 256, 512 });
            sizes.Add((r.GetProperty("height").GetInt32(), r.GetProperty("width").GetInt32()));
        }
        Assert.Equal([(16, 16), (12, 20)], sizes);
    }

    [Fact]
    public async Task TableHasAHeaderAndARowPerSize()
    {
        var (exit, output, _) = await Scat("bench", "--device", "cpu", "--size", "16", "--batch-size", "1", "--repeat", "1", "--color", "gray", "--order", "1");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("images/s"));
        Assert.Contains(lines, l => l.StartsWith("16x16") && l.Contains("cpu"));
    }

    [Fact]
    public async Task EndToEndSplitsDecodeTransformAndWrite()
    {
        var folder = TestData.Path("reference", "rgb32_J2", "images");
        var (exit, output, err) = await Scat("bench", "--device", "cpu", "--end-to-end", folder, "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        var r = doc.RootElement;
        Assert.Equal("end-to-end", r.GetProperty("mode").GetString());
        Assert.Equal(6, r.GetProperty("batch").GetInt32());
        double total = r.GetProperty("median_s").GetDouble();
        // The stages run at once (as in extract): each one's busy time lies within the run's.
        foreach (var part in new[] { "decode_s", "transform_s", "write_s" })
            Assert.InRange(r.GetProperty(part).GetDouble(), 1e-9, total);
    }

    [Fact]
    public async Task EndToEndReportsAnArraysOwnChannels()
    {
        using var dir = new TempDir();
        var values = new float[4 * 2 * 16 * 16];
        for (int i = 0; i < values.Length; i++) values[i] = i % 7 / 7f;
        using (var file = File.Create(dir["a.npy"]))
        {
            file.Write(global::Scat.Formats.NpyFormat.Header(global::Scat.Formats.NpyFormat.Float32, 4, 2, 16, 16));
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        var (exit, output, err) = await Scat("bench", "--device", "cpu", "--end-to-end", dir["a.npy"], "-J", "2", "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        Assert.Equal(2, doc.RootElement.GetProperty("channels").GetInt32());
        var (tableExit, table, tableErr) = await Scat("bench", "--device", "cpu", "--end-to-end", dir["a.npy"], "-J", "2");
        Assert.True(tableExit == 0, tableErr);
        Assert.Contains("2 channels", table);
    }

    [Fact]
    public async Task EndToEndReportsTheFeedingRateAndTheBoundingStage()
    {
        var folder = TestData.Path("photos");
        int photos = Directory.GetFiles(folder, "*.jpg").Length;
        var (exit, output, err) = await Scat("bench", "--device", "cpu", "--end-to-end", folder, "--size", "32", "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        var r = doc.RootElement;
        Assert.Equal(photos, r.GetProperty("batch").GetInt32());
        double endToEnd = r.GetProperty("images_per_s").GetDouble();
        double feed = r.GetProperty("feed_images_per_s").GetDouble();
        Assert.True(feed > 0 && double.IsFinite(feed), $"feed {feed}");
        // The feed is measured in a run of its own (decode stage only, same files, same decoder, page cache warm), so
        // on an idle machine it is above the end-to-end rate (which also transforms and writes); the two runs are
        // timed apart on a shared machine, hence the factor 2 of slack rather than a strict inequality.
        Assert.True(feed >= 0.5 * endToEnd, $"feed {feed} images/s, end to end {endToEnd} images/s");
        Assert.Contains(r.GetProperty("bound_by").GetString(), new[] { "feed", "transform", "write" });

        var (tableExit, table, tableErr) = await Scat("bench", "--device", "cpu", "--end-to-end", folder, "--size", "32");
        Assert.True(tableExit == 0, tableErr);
        Assert.Contains("feed img/s", table);
        Assert.Contains("bound by", table);
    }

    [Theory]
    [InlineData("--size", "0")]
    [InlineData("--size", "8", "-J", "4")]
    [InlineData("--repeat", "0")]
    [InlineData("--device", "tpu")]
    public async Task BadArgumentsExitWith2(params string[] args)
    {
        var (exit, _, err) = await Scat(["bench", .. args]);
        Assert.Equal(2, exit);
        Assert.StartsWith("scat: error:", err.Trim());
    }
}
