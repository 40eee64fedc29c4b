using System.Diagnostics;
using Scat.Cli;
using Scat.Input;
using Scat.Pipeline;
using Scat.Tests.Backends.Cpu;
using Scat.Tests.Cli;
using Scat.Tests.Input.Containers;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Input.Sources;

/// <summary>
/// The input kinds through <c>scat extract</c>: numpy arrays against Kymatio's coefficients, WebDataset tar shards
/// written by Python's tarfile and a Parquet image table written by DuckDB against the folder run, bit for bit.
/// </summary>
public class InputSourceTests(ITestOutputHelper output)
{
    private static string Digits => Path.Combine(TestData.RepoRoot, "samples", "digits");

    /// <summary>The features (as bits), labels and paths of an NPZ written by scat.</summary>
    private static (int[] Bits, long[] Labels, string[] Paths, int[] Shape) Read(string npz)
    {
        var z = NpyFile.ReadNpz(npz);
        return (z["features"].AsFloat32().Select(BitConverter.SingleToInt32Bits).ToArray(), z["labels"].AsInt64(), z["paths"].AsStrings(), z["features"].Shape);
    }

    private static readonly Lazy<(int[] Bits, long[] Labels, string[] Paths, int[] Shape)> DigitsFolder = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("scat-digits-").FullName;
        try
        {
            var run = InProcess.Scat("extract", Digits, "-o", Path.Combine(dir, "f.npz"), "-J", "1", "--device", "cpu", "-q");
            Assert.True(run.Exit == 0, run.Stderr);
            return Read(Path.Combine(dir, "f.npz"));
        }
        finally { Directory.Delete(dir, true); }
    });

    [Fact]
    public void KymatiosTestArrayFedAsAnArrayMatchesItsStoredCoefficients()
    {
        using var dir = new TempDir();
        var file = TestData.Path("reference", "kymatio_test_data_2d.npz");
        var z = NpyFile.ReadNpz(file);
        // Kymatio's case: J = 4 on 32x32 with pre_pad False (Kymatio pads the input itself, as scat does): Sx is
        // (N, C, K, H/2^J, W/2^J) = (2, 3, 417, 2, 2), the shape scat gives for -J 4.
        Assert.Equal(0, z["pre_pad"].ScalarInt());
        int j = (int)z["J"].ScalarInt();
        var run = InProcess.Scat("extract", file, "-J", j.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", dir["k.npz"], "--device", "cpu");
        Assert.True(run.Exit == 0, run.Stderr);
        var got = NpyFile.ReadNpz(dir["k.npz"]);
        Assert.Equal(z["Sx"].Shape, got["features"].Shape);
        Assert.Equal([file + "[0]", file + "[1]"], got["paths"].AsStrings());
        Assert.Equal([-1L, -1L], got["labels"].AsInt64());
        var layout = new ScatteringLayout(32, 32, j, 8, 2);
        double worst = Agreement.WorstRelative(got["features"].AsFloat32(), z["Sx"].AsFloat32(), layout.K, layout.OutPlaneSize, out int k);
        output.WriteLine($"kymatio_test_data_2d through extract: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"channel {k} differs by {worst:E3} relative");
        Assert.Contains("inputs:        " + file, InProcess.Scat("info", dir["k.npz"]).Out);
    }

    [Fact]
    public void AFiveBandFloat64ArrayMatchesKymatioThroughExtract()
    {
        using var dir = new TempDir();
        var file = TestData.Path("arrays", "five_band_J2.npz");
        var z = NpyFile.ReadNpz(file);
        int j = (int)z["J"].ScalarInt(), l = (int)z["L"].ScalarInt();
        var run = InProcess.Scat("extract", file, "-J", $"{j}", "-L", $"{l}", "-o", dir["b.parquet"], "--device", "cpu", "-q");
        Assert.True(run.Exit == 0, run.Stderr);
        var table = ParquetShardTests.ReadParquet(dir["b.parquet"]);
        Assert.Equal([3L, 1L], table.Labels); // from the NPZ's y
        Assert.Equal("none", table.Meta.GetProperty("color").GetString()); // five bands: no colour mode
        Assert.Equal(z["Sx"].Shape[1..].Select(d => (long)d), table.Meta.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt64()));
        var layout = new ScatteringLayout(24, 24, j, l, 2);
        double worst = Agreement.WorstRelative(table.Features.SelectMany(f => f).ToArray(), z["Sx"].AsFloat32(), layout.K, layout.OutPlaneSize, out int k);
        output.WriteLine($"five-band float64 through extract: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"channel {k} differs by {worst:E3} relative");
    }

    [Fact]
    public void ArraysRefuseSizeAndMixedKindsAreRefused()
    {
        using var dir = new TempDir();
        var file = TestData.Path("arrays", "five_band_J2.npz");
        var run = InProcess.Scat("extract", file, "--size", "16", "-o", dir["a.npz"], "--device", "cpu");
        Assert.Equal(2, run.Exit);
        Assert.Equal("scat: error: --size and --fit do not apply to array inputs: resample your arrays yourself", run.Stderr.Trim());
        run = InProcess.Scat("extract", file, Digits, "-o", dir["a.npz"]);
        Assert.Equal(2, run.Exit);
        Assert.Contains("is a numpy array but", run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        run = InProcess.Scat("extract", Digits, "--image-column", "img", "-o", dir["a.npz"]);
        Assert.Equal(2, run.Exit);
        Assert.False(File.Exists(dir["a.npz"]));
    }

    [PythonFact]
    public void DigitsAsTarShardsGiveTheFolderFeaturesBitForBit()
    {
        using var dir = new TempDir();
        TarShardReaderTests.MakeShards("digits", Digits, dir["shards"], "3", "pax");
        var pattern = dir["shards"] + "/digits-{000000..000002}.tar";
        var run = InProcess.Scat("extract", pattern, "-o", dir["t.npz"], "-J", "1", "--device", "cpu", "-q");
        Assert.True(run.Exit == 0, run.Stderr);
        var tar = Read(dir["t.npz"]);
        var folder = DigitsFolder.Value;
        Assert.Equal(folder.Shape, tar.Shape);
        Assert.Equal(folder.Bits, tar.Bits);
        Assert.Equal(folder.Labels, tar.Labels); // from the .cls members
        // The brace range reads the three shards in order: SHARD.tar/KEY, the key being the folder path less ".png".
        var listing = ImageListing.Build([Digits]).Items;
        int per = (listing.Count + 2) / 3;
        Assert.Equal(listing.Select((item, i) => dir["shards"] + $"/digits-{i / per:D6}.tar/" + item.Path[..^4]), tar.Paths);
        Assert.Contains("inputs:        " + pattern, InProcess.Scat("info", dir["t.npz"]).Out);

        // --shard I/N over tar shards: whole shards, in the listed order.
        var parts = new[] { "0/2", "1/2" }.Select(s =>
        {
            var r = InProcess.Scat("extract", pattern, "-o", dir["p-{shard}.npz"], "-J", "1", "--device", "cpu", "-q", "--shard", s);
            Assert.True(r.Exit == 0, r.Stderr);
            return Read(dir[$"p-{s[0]}.npz"]);
        }).ToList();
        Assert.Equal(tar.Paths, parts.SelectMany(p => p.Paths));
        Assert.Equal(tar.Bits, parts.SelectMany(p => p.Bits));
        // Each shard lies wholly in one part.
        static string ShardOf(string path) => path[..(path.IndexOf(".tar/", StringComparison.Ordinal) + 4)];
        var owners = parts.SelectMany((p, i) => p.Paths.Select(path => (Shard: ShardOf(path), Part: i))).Distinct().ToList();
        Assert.Equal(3, owners.Count);
        Assert.Equal(owners.Select(o => o.Shard).Distinct().Count(), owners.Count);
        Assert.All(parts, p => Assert.NotEmpty(p.Paths));
    }

    [PythonFact]
    public void OneTarOnStandardInput()
    {
        using var dir = new TempDir();
        TarShardReaderTests.MakeShards("digits", Digits, dir["shards"], "3", "gnu");
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec dotnet \"$0\" extract - -o \"$1\" -J 1 --device cpu -q < \"$2\"");
        psi.ArgumentList.Add(ChildProcess.ScatDll);
        psi.ArgumentList.Add(dir["s.npz"]);
        psi.ArgumentList.Add(dir["shards"] + "/digits-000001.tar");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120_000));
        Assert.True(p.ExitCode == 0, err);
        var stdin = Read(dir["s.npz"]);
        var folder = DigitsFolder.Value;
        int per = (folder.Labels.Length + 2) / 3, floats = folder.Bits.Length / folder.Labels.Length;
        Assert.Equal(folder.Bits[(per * floats)..(2 * per * floats)], stdin.Bits);
        Assert.Equal(folder.Labels[per..(2 * per)], stdin.Labels);
        Assert.All(stdin.Paths, path => Assert.StartsWith("-/", path));
    }

    [PythonFact]
    public void ACorruptCorpusNamesEachProblemOnceAndKeepsTheRest()
    {
        using var dir = new TempDir();
        var members = TarShardReaderTests.MakeShards("corrupt", Digits, dir["c"]);
        // Three shards: the damaged-sample shard, a copy of the good one cut inside a member's data, the good one.
        var good = dir["c"] + "/bad-000001.tar";
        var m = members[good];
        var bytes = File.ReadAllBytes(good);
        long cut = m[2].Offset + 512 + 40; // inside the data of the second sample's image
        Directory.CreateDirectory(dir["in"]);
        File.Copy(dir["c"] + "/bad-000000.tar", dir["in/a-0.tar"]);
        File.WriteAllBytes(dir["in/a-1.tar"], bytes[..(int)cut]);
        File.Copy(good, dir["in/a-2.tar"]);

        var run = InProcess.Scat("extract", dir["in"] + "/a-?.tar", "-o", dir["o.npz"], "-J", "1", "--device", "cpu", "--skipped", dir["skipped.tsv"]);
        Assert.True(run.Exit == 0, run.Stderr);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("skipped ", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join("\n", lines));
        Assert.Equal(3, lines.Count);
        Assert.StartsWith($"skipped {dir["in/a-0.tar"]}/noimage: no image member", lines[0]);
        Assert.StartsWith($"skipped {dir["in/a-0.tar"]}/broken: ", lines[1]);
        Assert.StartsWith($"skipped {dir["in/a-1.tar"]}: truncated tar: the data end at byte {cut} ", lines[2]);
        Assert.Contains("1 sample before it kept", lines[2]);
        var kept = Read(dir["o.npz"]);
        // a-0: 8 samples less 2; a-1: the one sample before the damage; a-2: all 3, after the damaged shard.
        Assert.Equal(6 + 1 + 3, kept.Paths.Length);
        Assert.Equal(3, kept.Paths.Count(p => p.StartsWith(dir["in/a-2.tar"], StringComparison.Ordinal)));
        Assert.Contains(kept.Paths, p => p.EndsWith("/../escape", StringComparison.Ordinal));
        Assert.Equal(3, File.ReadAllLines(dir["skipped.tsv"]).Length);

        var strict = InProcess.Scat("extract", dir["in/a-1.tar"], "-o", dir["s.npz"], "-J", "1", "--device", "cpu", "--strict");
        Assert.Equal(1, strict.Exit);
        Assert.Contains($"{dir["in/a-1.tar"]}: truncated tar: the data end at byte {cut}", strict.Stderr);
        Assert.False(File.Exists(dir["s.npz"]));
    }

    [NpmFact]
    public void ADuckDbImageTableGivesTheFolderFeaturesWithItsLabelsAndPaths()
    {
        using var dir = new TempDir();
        var listing = ImageListing.Build([Digits]).Items;
        File.WriteAllLines(dir["list.tsv"], listing.Select(i => $"{i.FullPath}\t{i.Path}\t{i.Label}"));
        var folder = Path.Combine(TestData.RepoRoot, "tests", "duckdb");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@duckdb", "node-api", "package.json")))
            Assert.Equal(0, Exec("npm", folder, "ci", "--no-audit", "--no-fund", "--loglevel=error"));
        Assert.Equal(0, Exec("node", folder, "make-image-table.mjs", dir["list.tsv"], dir["t.parquet"], "struct", "2048"));

        var run = InProcess.Scat("extract", dir["t.parquet"], "-o", dir["f.npz"], "-J", "1", "--device", "cpu", "-q");
        Assert.True(run.Exit == 0, run.Stderr);
        var table = Read(dir["f.npz"]);
        var expected = DigitsFolder.Value;
        Assert.Equal(expected.Bits, table.Bits);
        Assert.Equal(expected.Labels, table.Labels);
        Assert.Equal(expected.Paths, table.Paths); // the struct's path

        // A missing column: one line naming the columns there are; exit 1 (found once the file is open).
        var missing = InProcess.Scat("extract", dir["t.parquet"], "--image-column", "img", "-o", dir["m.npz"], "--device", "cpu");
        Assert.Equal(1, missing.Exit);
        Assert.Equal($"scat: error: {dir["t.parquet"]}: no image column 'img' (columns there: image, label); name one with --image-column", missing.Stderr.Trim());
        Assert.False(File.Exists(dir["m.npz"]));
    }

    private static int Exec(string file, string folder, params string[] args) => ParquetImageReaderTests.Run(file, folder, args).Exit;

    [SlurmFact]
    public void SlurmJobArrayOverTarShardsExtractsEverySampleOnce()
    {
        Assert.True(ExternalTools.Python is not null, "python3 is needed to write the shards");
        var root = TestData.RepoRoot;
        var up = ExecOut("bash", root, 240_000, [], Path.Combine(root, ".ci", "slurm-up"));
        Assert.True(up.Exit == 0, $"slurm-up failed: {up.Out}");

        using var dir = new TempDir();
        TarShardReaderTests.MakeShards("digits", Digits, dir["shards"], "3", "pax");
        var recipe = Path.Combine(root, "samples", "slurm", "extract-array.sbatch");
        var job = ExecOut("sbatch", dir.Path, 240_000, [("SCAT", $"dotnet {ChildProcess.ScatDll}")],
            "--wait", "--array=0-2", "--cpus-per-task=1", $"--chdir={dir.Path}", $"--output={dir["log-%a.txt"]}",
            recipe, dir["shards"] + "/digits-{000000..000002}.tar", "out/feats-{shard}.parquet", "-J", "1", "--device", "cpu");
        var logs = string.Join("\n", Directory.GetFiles(dir.Path, "log-*.txt").Select(File.ReadAllText));
        Assert.True(job.Exit == 0, $"sbatch: {job.Out}\n{logs}");

        var files = Directory.GetFiles(dir["out"]).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["feats-0.parquet", "feats-1.parquet", "feats-2.parquet"], files);
        var parts = files.Select(f => ParquetShardTests.ReadParquet(dir["out/" + f])).ToList();
        var listing = ImageListing.Build([Digits]).Items;
        int per = (listing.Count + 2) / 3;
        // Every sample exactly once, in order; task i extracted shard i, whole.
        Assert.Equal(listing.Select((item, i) => dir["shards"] + $"/digits-{i / per:D6}.tar/" + item.Path[..^4]), parts.SelectMany(p => p.Paths));
        Assert.Equal(listing.Select(i => (long)i.Label), parts.SelectMany(p => p.Labels));
        for (int i = 0; i < 3; i++) Assert.All(parts[i].Paths, p => Assert.Contains($"/digits-{i:D6}.tar/", p));
        Assert.Equal(DigitsFolder.Value.Bits, parts.SelectMany(p => p.Features.SelectMany(f => f)).Select(BitConverter.SingleToInt32Bits));
    }

    private static (int Exit, string Out) ExecOut(string file, string folder, int timeoutMs, (string, string?)[] env, params string[] args)
    {
        var run = ChildProcess.Run(file, args, folder, timeoutMs, env);
        return (run.Exit, run.Out + run.Err);
    }

    [PythonFact]
    public void BenchEndToEndReadsTarShards()
    {
        using var dir = new TempDir();
        TarShardReaderTests.MakeShards("digits", Digits, dir["shards"], "3", "pax");
        var run = InProcess.Scat("bench", "--end-to-end", dir["shards"] + "/digits-*.tar", "--device", "cpu", "-J", "1", "--json");
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("\"batch\":1797", run.Out.Replace(" ", ""));
    }
}
