using System.Diagnostics;
using System.Text.Json;
using Scat.Input;
using Scat.Tests.Support;

namespace Scat.Tests.Cli;

/// <summary>Runs only where npm is on the PATH (DuckDB's Node client is installed from npm at test time).</summary>
public sealed class NpmFactAttribute : FactAttribute
{
    public NpmFactAttribute()
    {
        if (ExternalReaderTests.Which("npm") is null || ExternalReaderTests.Which("node") is null)
            Skip = "npm/node not found: the DuckDB cross-check needs them";
    }
}

/// <summary>Runs only as root on Linux, which starting a SLURM cluster (and installing it) needs.</summary>
public sealed class RootLinuxFactAttribute : FactAttribute
{
    public RootLinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            Skip = "starting a SLURM cluster needs root on Linux";
    }
}

/// <summary>scat's Parquet read by DuckDB, and a real SLURM job array running the sbatch recipe.</summary>
public class ExternalReaderTests
{
    internal static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    internal static (int Exit, string Out, string Err) Exec(string file, IEnumerable<string> args, string? workingDirectory = null,
        int timeoutMs = 180_000, params (string, string)[] env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (n, v) in env) psi.Environment[n] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    internal static readonly Lazy<string> DuckDbFolder = new(() =>
    {
        var folder = Path.Combine(ParquetShardTests.RepoRoot, "tests", "duckdb");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@duckdb", "node-api", "package.json")))
        {
            var npm = Exec("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder);
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
        var duck = Exec("node", [Path.Combine(DuckDbFolder.Value, "check.mjs"), dir["p-*.parquet"]], DuckDbFolder.Value);
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

    [RootLinuxFact]
    public void SlurmJobArrayOfThreeCoversTheSampleOnce()
    {
        var root = ParquetShardTests.RepoRoot;
        var up = Exec("bash", [Path.Combine(root, ".ci", "slurm-up")], root, 240_000);
        Assert.True(up.Exit == 0, $"slurm-up failed: {up.Out}\n{up.Err}");

        using var dir = new TempDir();
        var input = Path.Combine(root, "samples", "digits");
        var recipe = Path.Combine(root, "samples", "slurm", "extract-array.sbatch");
        var job = Exec("sbatch", ["--wait", "--array=0-2", "--cpus-per-task=1", $"--chdir={dir.Path}", $"--output={dir["log-%a.txt"]}",
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
