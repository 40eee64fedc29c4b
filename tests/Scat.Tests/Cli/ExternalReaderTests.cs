using System.Diagnostics;
using System.Text.Json;
using Scat.Input;
using Scat.Tests.Support;

namespace Scat.Tests.Cli;

/// <summary>scat's Parquet read by DuckDB, and a real SLURM job array running the sbatch recipe.</summary>
public class ExternalReaderTests
{
    internal static readonly Lazy<string> DuckDbFolder = new(() =>
    {
        var folder = Path.Combine(TestData.RepoRoot, "tests", "duckdb");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@duckdb", "node-api", "package.json")))
        {
            var npm = ChildProcess.Run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder);
            Assert.True(npm.Exit == 0, $"npm ci failed: {npm.Err}");
        }
        return folder;
    });

    [NpmFact]
    public void DuckDbReadsTheParquetAsTheNpzHoldsIt()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var npzRun = ChildProcess.RunScat(["extract", dir["in"], "-o", dir["f.npz"], "-L", "4", "-q"]);
        Assert.True(npzRun.Exit == 0, npzRun.Stderr);
        foreach (var i in new[] { 0, 1 })
        {
            var run = ChildProcess.RunScat(["extract", dir["in"], "-o", dir["p-{shard}.parquet"], "-L", "4", "-q", "--shard", $"{i}/2", "--compression", i == 0 ? "zstd" : "snappy"]);
            Assert.True(run.Exit == 0, run.Stderr);
        }
        var duck = ChildProcess.Run("node", [Path.Combine(DuckDbFolder.Value, "check.mjs"), dir["p-*.parquet"]], DuckDbFolder.Value);
        Assert.True(duck.Exit == 0, duck.Err);
        var doc = JsonDocument.Parse(duck.Out).RootElement;

        Assert.Equal(["path:VARCHAR", "label:BIGINT", "class:VARCHAR", "features:FLOAT[]", "shape:INTEGER[]"],
            doc.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("column_name").GetString() + ":" + c.GetProperty("column_type").GetString()));
        var npz = NpyFile.ReadNpz(dir["f.npz"]);
        var rows = doc.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(npz["paths"].AsStrings(), rows.Select(r => r.GetProperty("path").GetString()!));
        Assert.Equal(npz["labels"].AsInt64(), rows.Select(r => long.Parse(r.GetProperty("label").GetString()!)));
        Assert.Equal(new string?[] { null, "a", "a", "b", null },
            rows.Select(r => r.GetProperty("class").ValueKind == JsonValueKind.Null ? null : r.GetProperty("class").GetString()).ToArray());
        // DuckDB prints each float32 as the shortest double that round-trips: back to float32, bit for bit.
        var expected = npz["features"].AsFloat32().Select(BitConverter.SingleToInt32Bits);
        var actual = rows.SelectMany(r => r.GetProperty("features").EnumerateArray().Select(v => BitConverter.SingleToInt32Bits((float)v.GetDouble())));
        Assert.Equal(expected, actual);

        var metadata = doc.GetProperty("metadata").EnumerateArray().ToList();
        Assert.Equal(2, metadata.Count); // one per file
        var meta = JsonDocument.Parse(metadata[0].GetProperty("value").GetString()!).RootElement;
        Assert.Equal("scat", metadata[0].GetProperty("key").GetString());
        Assert.Equal(npz["features"].Shape[1..].Select(d => (long)d), meta.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(4, meta.GetProperty("L").GetInt32());
        Assert.Equal(["a", "b"], meta.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!));
    }

    /// <summary>The SLURM tests install SLURM and write /etc/slurm: they run only when asked, and say so otherwise.</summary>
    [Fact]
    public void SlurmTestsRunOnlyWhenAsked()
    {
        Assert.Contains("SCAT_TEST_SLURM=1", SlurmFactAttribute.SkipReason(null, rootOnLinux: true));
        Assert.Contains("SCAT_TEST_SLURM=1", SlurmFactAttribute.SkipReason("0", rootOnLinux: true));
        Assert.Equal("starting a SLURM cluster needs root on Linux", SlurmFactAttribute.SkipReason("1", rootOnLinux: false));
        Assert.Null(SlurmFactAttribute.SkipReason("1", rootOnLinux: true));
        Assert.Equal(Environment.GetEnvironmentVariable("SCAT_TEST_SLURM") == "1" && OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess,
            new SlurmFactAttribute().Skip is null);
    }

    [SlurmFact]
    public void SlurmJobArrayOfThreeCoversTheSampleOnce()
    {
        var root = TestData.RepoRoot;
        var up = ChildProcess.Run("bash", [Path.Combine(root, ".ci", "slurm-up")], root, 240_000);
        Assert.True(up.Exit == 0, $"slurm-up failed: {up.Out}\n{up.Err}");

        using var dir = new TempDir();
        var input = Path.Combine(root, "samples", "digits");
        var recipe = Path.Combine(root, "samples", "slurm", "extract-array.sbatch");
        var job = ChildProcess.Run("sbatch", ["--wait", "--array=0-2", "--cpus-per-task=1", $"--chdir={dir.Path}", $"--output={dir["log-%a.txt"]}",
            recipe, input, "out/feats-{shard}.parquet", "-J", "1"], dir.Path, 240_000, ("SCAT", $"dotnet {ChildProcess.ScatDll}"));
        var logs = string.Join("\n", Directory.GetFiles(dir.Path, "log-*.txt").Select(File.ReadAllText));
        Assert.True(job.Exit == 0, $"sbatch: {job.Out}\n{job.Err}\n{logs}");

        var files = Directory.GetFiles(dir["out"]).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["feats-0.parquet", "feats-1.parquet", "feats-2.parquet"], files);
        var parts = files.Select(f => ParquetShardTests.ReadParquet(dir["out/" + f])).ToList();
        var listing = ImageListing.Build([input]);
        // Read back as one table: every image exactly once, in order, with the global label of its class folder.
        Assert.Equal(listing.Items.Select(i => i.Path), parts.SelectMany(p => p.Paths));
        Assert.Equal(listing.Items.Select(i => (long)i.Label), parts.SelectMany(p => p.Labels));
        Assert.All(parts.SelectMany(p => p.Paths.Zip(p.Labels)), x => Assert.Equal(long.Parse(x.First[..1]), x.Second));
        Assert.All(parts, p => Assert.True(p.Paths.Count > 0));
    }
}
