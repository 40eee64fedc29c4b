using System.Text.Json;
using Scat.Cli;
using Scat.Pipeline;
using Scat.Tests.Support;
using Xunit;

namespace Scat.Tests.Cli;

/// <summary>Issue 19: scat info shows the options that shaped the features, labels without class names, and parts folders.</summary>
public class InfoCommandTests
{
    private static ScatRun Scat(params string[] args) => InProcess.Scat(args);

    /// <summary>The names of the "  name: value" lines under "options:".</summary>
    private static IEnumerable<string> OptionNames(string info) =>
        info.Split('\n').SkipWhile(l => l != "options:").Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(':')[0]).ToList();

    private static readonly string[] Shaped = ["-J", "1", "-L", "4", "--size", "12", "--fit", "pad", "--pool", "mean", "--padding", "zero",
        "--renorm", "--log", "--device", "cpu", "-q"];

    [Fact]
    public void InfoPrintsEachFeatureShapingOptionForNpzParquetAndAnNpySidecar()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 3; i++) Fixtures.Png(dir[$"in/c{i % 2}/{i}.png"], 20, 14);
        foreach (var output in new[] { "f.npz", "f.parquet", "parts/p-{part}.npy" })
        {
            string[] parts = output.Contains("{part}") ? ["--part-size", "2"] : [];
            var run = Scat(["extract", dir["in"], "-o", dir[output], .. Shaped, .. parts]);
            Assert.True(run.Exit == 0, run.Stderr);
        }
        foreach (var file in new[] { "f.npz", "f.parquet", "parts/p-00000.meta.npz" })
        {
            var info = Scat("info", dir[file]);
            Assert.True(info.Exit == 0, info.Stderr);
            foreach (var line in new[] { "size: 12", "fit: pad", "pool: mean", "padding: zero", "renorm: true", "log: true", "J: 1", "L: 4" })
                Assert.Contains($"\n  {line}\n", info.Out);
            Assert.Equal(FeatureShaping.Names<ExtractOptions>(), OptionNames(info.Out)); // one line per option, each once
            var json = JsonDocument.Parse(Scat("info", dir[file], "--json").Out).RootElement;
            Assert.Equal("mean", json.GetProperty("options").GetProperty("pool").GetString());
        }
        // The sidecar's rows and shape are those of its part (2 of the 3 images; pooled: (C, K)).
        var sidecar = Scat("info", dir["parts/p-00000.meta.npz"]).Out;
        Assert.Contains("rows:          2\n", sidecar);
        Assert.Contains("feature shape: (3, 5) per image\n", sidecar);
        Assert.Contains("classes:       2: c0 c1\n", sidecar);
    }

    [Fact]
    public void LabelledDataWithoutClassNamesSaysHowManyLabels()
    {
        using var dir = new TempDir();
        var array = TestData.Path("arrays", "five_band_J2.npz"); // labels y = [3, 1], no class names
        foreach (var output in new[] { "a.npz", "a.parquet" })
        {
            var run = Scat("extract", array, "-o", dir[output], "--device", "cpu", "-q");
            Assert.True(run.Exit == 0, run.Stderr);
            var info = Scat("info", dir[output]);
            Assert.Equal(0, info.Exit);
            Assert.DoesNotContain("classes:", info.Out);
            Assert.Contains("labels:        2 distinct\n", info.Out);
        }
        // Images without labels (--files-from, no --classes-from-parent): -1 each.
        Fixtures.Png(dir["in/x.png"], 16, 16);
        File.WriteAllText(dir["list.txt"], dir["in/x.png"] + "\n");
        Assert.Equal(0, Scat("extract", "--files-from", dir["list.txt"], "-o", dir["u.npz"], "--device", "cpu", "-q").Exit);
        var unlabelled = Scat("info", dir["u.npz"]).Out;
        Assert.DoesNotContain("classes:", unlabelled);
        Assert.Contains("labels:        none\n", unlabelled);
    }

    [Fact]
    public void InfoReadsAPartsFolderOrItsManifestAsResumeDoes()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 5; i++) Fixtures.Png(dir[$"in/{i}.png"], 16, 16);
        var run = Scat(["extract", dir["in"], "-o", dir["out/p-{part}.npy"], "--part-size", "2", .. Shaped]);
        Assert.True(run.Exit == 0, run.Stderr);
        var files = new[] { "p-00000.npy", "p-00000.meta.npz", "p-00001.npy", "p-00001.meta.npz", "p-00002.npy", "p-00002.meta.npz" };
        long all = files.Sum(f => new FileInfo(dir["out/" + f]).Length);

        foreach (var path in new[] { dir["out"], dir["out/MANIFEST.json"] })
        {
            var info = Scat("info", path);
            Assert.True(info.Exit == 0, info.Stderr);
            Assert.Contains("parts:         3 of 3 done\n", info.Out);
            Assert.Contains("rows:          5\n", info.Out);
            Assert.Contains($"bytes:         {all}\n", info.Out);
            Assert.Contains("\n  size: 12\n", info.Out);
            Assert.Equal(FeatureShaping.Names<ExtractOptions>(), OptionNames(info.Out));
        }
        // A part changed after the run is not done, as --resume would find it.
        var bytes = File.ReadAllBytes(dir["out/p-00001.npy"]);
        bytes[^1] ^= 1;
        File.WriteAllBytes(dir["out/p-00001.npy"], bytes);
        var damaged = Scat("info", dir["out"]);
        Assert.Equal(0, damaged.Exit);
        Assert.Contains("parts:         2 of 3 done\n", damaged.Out);
        Assert.Contains("rows:          3\n", damaged.Out);
        Assert.Contains("not done:      part 1 (p-00001.npy) has a wrong checksum\n", damaged.Out);
        var json = JsonDocument.Parse(Scat("info", dir["out/MANIFEST.json"], "--json").Out).RootElement;
        Assert.Equal(2, json.GetProperty("parts_done").GetInt32());
        Assert.Equal(3, json.GetProperty("parts").GetInt32());

        // A folder of shards' manifests: one block each (one JSON array).
        File.Copy(dir["out/MANIFEST.json"], dir["out/MANIFEST-1.json"]);
        Assert.Equal(2, Scat("info", dir["out"]).Out.Split('\n').Count(l => l.StartsWith("parts:", StringComparison.Ordinal)));
        Assert.Equal(2, JsonDocument.Parse(Scat("info", dir["out"], "--json").Out).RootElement.GetArrayLength());
        File.Delete(dir["out/MANIFEST-1.json"]);

        // A manifest that cannot be read: one line naming it, exit 1.
        File.WriteAllText(dir["out/MANIFEST.json"], "{ not json");
        var bad = Scat("info", dir["out"]);
        Assert.Equal(1, bad.Exit);
        var line = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(dir["out/MANIFEST.json"], line);
        Assert.Equal(1, Scat("info", dir["in"]).Exit); // a folder without a manifest
    }
}
