using System.Diagnostics;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Scat.Cli;
using Scat.Output;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Cli;

/// <summary>Parquet output, --files-from, --shard and scat info; Parquet read back by Parquet.Net and DuckDB.</summary>
public class ParquetShardTests
{
    /// <summary>A Parquet file as read by Parquet.Net: rows, the physical schema and the scat metadata.</summary>
    internal sealed record ParquetTable(List<string> Paths, List<long> Labels, List<string?> Classes, List<float[]> Features,
        string Schema, JsonElement Meta, int RowGroups);

    internal static ParquetTable ReadParquet(string path)
    {
        var reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        try
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["path", "label", "class", "features/list/element", "shape/list/element"], fields.Select(f => f.Path.ToString()));
            var t = new ParquetTable([], [], [], [], reader.Schema.ToString(),
                JsonDocument.Parse(reader.CustomMetadata["scat"]).RootElement.Clone(), reader.RowGroupCount);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int rows = (int)group.RowCount;
                var paths = new string?[rows];
                group.ReadAsync(fields[0], paths.AsMemory(), null).GetAwaiter().GetResult();
                var labels = new long[rows];
                group.ReadAsync<long>(fields[1], labels.AsMemory(), null).GetAwaiter().GetResult();
                var classes = new string?[rows];
                group.ReadAsync(fields[2], classes.AsMemory(), null).GetAwaiter().GetResult();
                long values = group.RowGroup.Columns[3].MetaData!.NumValues;
                var floats = new float[values];
                var def = new int[values];
                var rep = new int[values];
                group.ReadRawAsync<float>(fields[3], floats.AsMemory(), def.AsMemory(), rep.AsMemory(), CancellationToken.None).GetAwaiter().GetResult();
                Assert.All(def, d => Assert.Equal(fields[3].MaxDefinitionLevel, d));
                var starts = Enumerable.Range(0, (int)values).Where(i => rep[i] == 0).Append((int)values).ToList();
                Assert.Equal(rows + 1, starts.Count);
                for (int r = 0; r < rows; r++) t.Features.Add(floats[starts[r]..starts[r + 1]]);
                t.Paths.AddRange(paths.Select(p => p!));
                t.Labels.AddRange(labels);
                t.Classes.AddRange(classes);
            }
            return t;
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static float[] Row(float[] all, int row, int perImage) => all[(row * perImage)..((row + 1) * perImage)];

    [Fact]
    public void ParquetHoldsTheNpzRowsBitForBitWithTheMetadata()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["f.npz"], "-L", "4", "-q").Exit);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.parquet"], "-L", "4", "-q");
        Assert.Equal(0, run.Exit);
        Assert.Equal("", run.Stderr);
        Assert.Equal(["f.parquet"], Directory.GetFiles(dir["out"]).Select(Path.GetFileName));

        var npz = NpyFile.ReadNpz(dir["f.npz"]);
        var t = ReadParquet(dir["out/f.parquet"]);
        Assert.Equal(npz["paths"].AsStrings(), t.Paths);
        Assert.Equal(npz["labels"].AsInt64(), t.Labels);
        Assert.Equal(new string?[] { null, "a", "a", "b", null }, t.Classes.ToArray());
        var features = npz["features"].AsFloat32();
        int perImage = features.Length / t.Paths.Count;
        for (int r = 0; r < t.Paths.Count; r++)
            Assert.Equal(Row(features, r, perImage).Select(BitConverter.SingleToInt32Bits), t.Features[r].Select(BitConverter.SingleToInt32Bits));

        var layout = new ScatteringLayout(16, 16, 2, 4, 2);
        var m = t.Meta;
        Assert.Equal(npz["features"].Shape[1..].Select(d => (long)d), m.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(2, m.GetProperty("J").GetInt32());
        Assert.Equal(4, m.GetProperty("L").GetInt32());
        Assert.Equal(2, m.GetProperty("order").GetInt32());
        Assert.Equal("rgb", m.GetProperty("color").GetString());
        Assert.Equal([16, 16], m.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["a", "b"], m.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!));
        var channels = m.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(layout.K, channels.Count);
        Assert.Equal(npz["j2"].AsInt64(), channels.Select(c => c.GetProperty("j2").GetInt64()));
        Assert.Equal(npz["theta1"].AsInt64(), channels.Select(c => c.GetProperty("theta1").GetInt64()));
        Assert.Equal("0.2.0", m.GetProperty("scat_version").GetString());
        Assert.True(DateTime.TryParse(m.GetProperty("created").GetString(), out _));
    }

    [Fact]
    public void SmallRowGroupsAndEveryCompressionReadBack()
    {
        using var dir = new TempDir();
        var layout = new ScatteringLayout(8, 8, 1, 2, 2);
        var meta = new FeatureMetadata(layout, 1, ["x", "y"]);
        var rng = new Random(5);
        var all = Enumerable.Range(0, 11 * meta.FloatsPerImage).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var labels = Enumerable.Range(0, 11).Select(i => (long)(i % 3) - 1).ToArray();
        var paths = Enumerable.Range(0, 11).Select(i => $"img/{i}.png").ToArray();
        foreach (var c in Enum.GetValues<ParquetCompression>())
        {
            var file = dir[$"f-{c}.parquet"];
            using (var w = new ParquetFeatureWriter(file, c, rowGroupBytes: 3 * meta.FloatsPerImage * 4))
            {
                w.Begin(meta);
                w.WriteBatch(all.AsSpan(0, 5 * meta.FloatsPerImage), labels.AsSpan(0, 5), paths[..5]);
                w.WriteBatch(all.AsSpan(5 * meta.FloatsPerImage), labels.AsSpan(5), paths[5..]);
                w.Complete();
            }
            var t = ReadParquet(file);
            Assert.Equal(4, t.RowGroups); // 3 + 3 + 3 + 2
            Assert.Equal(paths, t.Paths);
            Assert.Equal(labels, t.Labels);
            Assert.Equal(labels.Select(l => l < 0 ? null : meta.Classes[(int)l]), t.Classes);
            for (int r = 0; r < 11; r++) Assert.Equal(Row(all, r, meta.FloatsPerImage), t.Features[r]);
        }
        // Not completed: nothing is left behind.
        using (var w = new ParquetFeatureWriter(dir["aborted.parquet"]))
        {
            w.Begin(meta);
            w.WriteBatch(all.AsSpan(0, meta.FloatsPerImage), labels.AsSpan(0, 1), paths[..1]);
        }
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.Contains("aborted", StringComparison.Ordinal));
    }

    [Fact]
    public void ThreeShardsCoverTheInputOnceWithGlobalLabels()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        Fixtures.Png(dir["in/c/z.png"], 16, 16);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["all.parquet"], "-J", "1", "-L", "2", "-q").Exit);
        for (int i = 0; i < 3; i++)
            Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["out/feats-{shard}.parquet"], "-J", "1", "-L", "2", "-q", "--shard", $"{i}/3").Exit);
        var files = Directory.GetFiles(dir["out"]).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["feats-0.parquet", "feats-1.parquet", "feats-2.parquet"], files);

        var whole = ReadParquet(dir["all.parquet"]);
        var parts = files.Select(f => ReadParquet(dir["out/" + f])).ToList();
        Assert.Equal([2, 2, 2], parts.Select(p => p.Paths.Count)); // contiguous ranges of 6 images
        Assert.Equal(whole.Paths, parts.SelectMany(p => p.Paths));   // in shard order: the single run's order
        Assert.Equal(whole.Labels, parts.SelectMany(p => p.Labels)); // global labels
        Assert.Equal(whole.Features, parts.SelectMany(p => p.Features));
        Assert.All(parts, p => Assert.Equal(["a", "b", "c"], p.Meta.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!)));
        // Shards see only some classes, yet keep the whole input's labels: c is 2 in the last shard, not 0.
        Assert.Equal([0L, 1], parts[1].Labels);
        Assert.Equal(["c/z.png", "loose.png"], parts[2].Paths);
        Assert.Equal([2L, -1], parts[2].Labels);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("0/0")]
    [InlineData("-1/3")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void BadShardsAreRefusedBeforeAnyWork(string shard)
    {
        using var dir = new TempDir();
        var run = InProcess.Scat("extract", dir["missing-input"], "-o", dir["f-{shard}.parquet"], "--shard", shard);
        Assert.Equal(2, run.Exit);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("0 <= I < N", line);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ShardNamesAndOptionsAreChecked()
    {
        using var dir = new TempDir();
        Assert.Equal(2, InProcess.Scat("extract", dir.Path, "-o", dir["f-{shard}.parquet"]).Exit);       // {shard} without --shard
        Assert.Equal(2, InProcess.Scat("extract", dir.Path, "-o", dir["f.npz"], "--compression", "zstd").Exit);
        Assert.Equal(2, InProcess.Scat("extract", dir.Path, "-o", dir["f.parquet"], "--compression", "brotli").Exit);
        Assert.Equal(2, InProcess.Scat("extract", dir.Path, "-o", dir["f.parquet"], "--shards", "3").Exit);
        Assert.Equal(2, InProcess.Scat("extract", "-o", dir["f.parquet"]).Exit);                           // no input at all
        Assert.Equal("7", new Shard(7, 8).Label);
        Assert.Equal("07", new Shard(7, 11).Label);
        Assert.Equal("007", new Shard(7, 1000).Label);
        Assert.Equal("0", new Shard(0, 1).Label);
        Assert.Equal("x-03.parquet", Shard.FillName("x-{shard}.parquet", new Shard(3, 12)));
        for (int n = 1; n < 9; n++)
            for (int total = 0; total < 20; total++)
            {
                var covered = Enumerable.Range(0, n).SelectMany(i => { var (a, b) = new Shard(i, n).Range(total); return Enumerable.Range(a, b - a); });
                Assert.Equal(Enumerable.Range(0, total), covered);
            }
    }

    [Fact]
    public void ShardAutoReadsSlurmAndKubernetes()
    {
        static Func<string, string?> Env(params (string, string)[] vars) => name => vars.FirstOrDefault(v => v.Item1 == name).Item2;
        Assert.Equal(new Shard(2, 3), Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "0"))));
        // --array=1-3
        Assert.Equal(new Shard(0, 3), Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "1"))));
        // --array=10-18:4 → ids 10, 14, 18
        Assert.Equal(new Shard(2, 3), Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "18"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_STEP", "4"))));
        Assert.Equal(new Shard(4, 5), Shard.Parse("auto", 5, Env(("JOB_COMPLETION_INDEX", "4"))));
        Assert.Throws<ScatUsageException>(() => Shard.Parse("auto", null, Env(("JOB_COMPLETION_INDEX", "4"))));      // needs --shards
        Assert.Throws<ScatUsageException>(() => Shard.Parse("auto", 4, Env(("JOB_COMPLETION_INDEX", "4"))));         // index ≥ N
        Assert.Throws<ScatUsageException>(() => Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "3"))));       // no count
        Assert.Throws<ScatUsageException>(() => Shard.Parse("auto", null, Env(("SLURM_ARRAY_TASK_ID", "12"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_STEP", "4"))));
        var none = Assert.Throws<ScatUsageException>(() => Shard.Parse("auto", null, Env()));
        Assert.Contains("SLURM_ARRAY_TASK_ID", none.Message);
        Assert.Contains("JOB_COMPLETION_INDEX", none.Message);
        Assert.Throws<ScatUsageException>(() => Shard.Parse("1/3", 3, Env()));

        // Through the process's environment: a child process with Kubernetes' variable.
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var child = ChildProcess.RunScat(["extract", dir["in"], "-o", dir["k-{shard}.parquet"], "-J", "1", "-L", "2", "-q", "--shard", "auto", "--shards", "2"],
            ("JOB_COMPLETION_INDEX", "1"));
        Assert.True(child.Exit == 0, child.Stderr);
        Assert.Equal(["a/img_1.png", "b/img_0.png", "loose.png"], ReadParquet(dir["k-1.parquet"]).Paths);
        var unset = ChildProcess.RunScat(["extract", dir["in"], "-o", dir["u.parquet"], "--shard", "auto"]);
        Assert.Equal(2, unset.Exit);
    }

    [Fact]
    public void FilesFromAPipeKeepsTheListOrder()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var list = new[] { "in/b/img_0.png", "", dir["in/a/img_1.png"], "in/loose.png", "in/a/deep/img_0.PNG" };
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path };
        foreach (var a in new[] { ChildProcess.ScatDll, "extract", "--files-from", "-", "-o", "f.parquet", "-J", "1", "-L", "2", "-q", "--classes-from-parent" })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            foreach (var line in list) p.StandardInput.Write(line + "\n");
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000));
            Assert.True(p.ExitCode == 0, err);
        }
        var t = ReadParquet(dir["f.parquet"]);
        Assert.Equal(list.Where(l => l.Length > 0), t.Paths);
        Assert.Equal(["b", "a", "in", "deep"], t.Classes);
        Assert.Equal([1L, 0, 3, 2], t.Labels); // classes sorted: a, b, deep, in
        Assert.Equal(["a", "b", "deep", "in"], t.Meta.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!));

        // Without --classes-from-parent every label is −1; a list file works like the pipe.
        File.WriteAllLines(dir["list.txt"], [dir["in/loose.png"], dir["in/b/img_0.png"]]);
        Assert.Equal(0, InProcess.Scat("extract", "--files-from", dir["list.txt"], "-o", dir["g.parquet"], "-J", "1", "-L", "2", "-q").Exit);
        var g = ReadParquet(dir["g.parquet"]);
        Assert.Equal([-1L, -1], g.Labels);
        Assert.Equal(new string?[] { null, null }, g.Classes.ToArray());
        Assert.Equal(2, InProcess.Scat("extract", dir["in"], "--files-from", dir["list.txt"], "-o", dir["h.parquet"]).Exit);
    }

    [Fact]
    public void InfoDescribesEachFormat()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        foreach (var f in new[] { "f.npz", "f.npy", "f.parquet" })
            Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir[f], "-L", "4", "--color", "gray", "-q").Exit);
        var layout = new ScatteringLayout(16, 16, 2, 4, 2);
        long[] shape = [1, layout.K, layout.OutHeight, layout.OutWidth];
        foreach (var (f, format) in new[] { ("f.npz", "npz"), ("f.npy", "npy"), ("f.parquet", "parquet") })
        {
            var text = InProcess.Scat("info", dir[f]);
            Assert.Equal(0, text.Exit);
            Assert.Contains($"format:        {format}\n", text.Out);
            Assert.Contains("rows:          5\n", text.Out);
            Assert.Contains($"feature shape: (1, {layout.K}, {layout.OutHeight}, {layout.OutWidth}) per image\n", text.Out);
            var json = InProcess.Scat("info", dir[f], "--json");
            Assert.Equal(0, json.Exit);
            var doc = JsonDocument.Parse(json.Out).RootElement;
            Assert.Equal(format, doc.GetProperty("format").GetString());
            Assert.Equal(5, doc.GetProperty("rows").GetInt64());
            Assert.Equal(shape, doc.GetProperty("feature_shape").EnumerateArray().Select(e => e.GetInt64()));
            if (format == "npy") continue;
            Assert.Contains("J:             2\n", text.Out);
            Assert.Contains("L:             4\n", text.Out);
            Assert.Contains("order:         2\n", text.Out);
            Assert.Contains($"channels:      {layout.K} (1 of order 0, 8 of order 1, 16 of order 2)\n", text.Out);
            Assert.Contains("classes:       2: a b\n", text.Out);
            Assert.Equal("gray", doc.GetProperty("color").GetString());
            Assert.Equal(layout.K, doc.GetProperty("channels").GetArrayLength());
        }
        Assert.Equal(1, InProcess.Scat("info", dir["nothing.parquet"]).Exit);
        Assert.Equal(2, InProcess.Scat("info", dir["in/a/notes.txt"]).Exit);
    }

    [Fact]
    public void KubernetesRecipeUsesTheIndexedJobVariables()
    {
        var yaml = File.ReadAllText(Path.Combine(TestData.RepoRoot, "samples", "kubernetes", "extract-indexed-job.yaml"));
        Assert.Contains("completionMode: Indexed", yaml);
        var completions = System.Text.RegularExpressions.Regex.Match(yaml, @"\n\s*completions:\s*(\d+)").Groups[1].Value;
        Assert.Contains("- --shard\n            - auto", yaml);
        Assert.Contains($"- --shards\n            - \"{completions}\"", yaml);
        Assert.Contains("{shard}", yaml);
        Assert.Contains("JOB_COMPLETION_INDEX", yaml);
        // scat reads JOB_COMPLETION_INDEX with --shards: the recipe's values give shards 0..completions-1.
        int n = int.Parse(completions);
        for (int k = 0; k < n; k++)
            Assert.Equal(new Shard(k, n), Shard.Parse("auto", n, name => name == "JOB_COMPLETION_INDEX" ? k.ToString() : null));
    }
}
