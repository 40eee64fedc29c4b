using System.Diagnostics;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Scat.Input;
using Scat.Input.Containers;
using Scat.Tests.Cli;
using Scat.Tests.Support;

namespace Scat.Tests.Input.Containers;

/// <summary>Parquet image tables written by DuckDB (independent writer) and by Parquet.Net (several row groups).</summary>
public class ParquetImageReaderTests
{
    private static string Digits => Path.Combine(TestData.RepoRoot, "samples", "digits");

    // The one installer of DuckDB's Node client (a Lazy: two tests running `npm ci` at once in one folder on a fresh
    // clone removed each other's node_modules, and node failed with nothing on stderr).
    private static string DuckDbFolder() => Scat.Tests.Cli.ExternalReaderTests.DuckDbFolder.Value;

    internal static (int Exit, string Out) Run(string file, string folder, params string[] args)
    {
        var run = ChildProcess.Run(file, args, folder);
        Assert.True(run.Exit == 0, $"{file}: {run.Err}");
        return (run.Exit, run.Out);
    }

    /// <summary>The digits as a DuckDB table, then a NULL image, a NULL path and a NULL label.</summary>
    private static (List<(string? File, string? Path, int? Label)> Rows, JsonElement Info) MakeTable(TempDir dir, string kind)
    {
        var rows = ImageListing.Build([Digits]).Items.Select(i => ((string?)i.FullPath, (string?)i.Path, (int?)i.Label)).ToList();
        rows.Add((null, "9/none.png", 9));
        rows.Add((Path.Combine(Digits, "1", "0000.png"), null, 1));
        rows.Add((Path.Combine(Digits, "2", "0000.png"), "2/0000-again.png", null));
        File.WriteAllLines(dir["list.tsv"], rows.Select(r => $"{r.Item1}\t{r.Item2}\t{r.Item3}"));
        var out_ = Run("node", DuckDbFolder(), "make-image-table.mjs", dir["list.tsv"], dir[kind + ".parquet"], kind, "2048").Out;
        return (rows, JsonDocument.Parse(out_).RootElement.Clone());
    }

    [NpmTheory]
    [InlineData("struct")]
    [InlineData("plain")]
    public void ADuckDbTableGivesItsImagesLabelsAndPaths(string kind)
    {
        using var dir = new TempDir();
        var (rows, info) = MakeTable(dir, kind);
        Assert.Equal(kind == "struct" ? "STRUCT(bytes BLOB, path VARCHAR)" : "BLOB", info.GetProperty("columns")[0].GetProperty("column_type").GetString());
        Assert.Equal("INTEGER", info.GetProperty("columns")[1].GetProperty("column_type").GetString());

        var file = dir[kind + ".parquet"];
        using var table = ParquetImageReader.Open(file);
        Assert.Equal(kind == "struct", table.IsStruct);
        Assert.Equal(["image", "label"], table.Columns);
        Assert.Equal("label", table.LabelColumn);
        Assert.Equal(rows.Count, table.RowCount);
        var read = table.Rows().ToList();
        Assert.Equal(rows.Count, read.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var (f, p, l) = rows[i];
            Assert.Equal(i, read[i].Row);
            Assert.Equal(kind == "struct" && p is not null ? p : $"{file}[{i}]", read[i].Path);
            Assert.Equal(l ?? -1, read[i].Label);
            if (f is null) Assert.Null(read[i].Bytes);
            else Assert.Equal(File.ReadAllBytes(f), read[i].Bytes);
        }
    }

    [NpmFact]
    public void AMissingColumnNamesTheColumnsThereAre()
    {
        using var dir = new TempDir();
        MakeTable(dir, "struct");
        var file = dir["struct.parquet"];
        var e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(file, imageColumn: "img"));
        Assert.Equal($"{file}: no image column 'img' (columns there: image, label); name one with --image-column", e.Message);
        e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(file, labelColumn: "class"));
        Assert.Equal($"{file}: no label column 'class' (columns there: image, label)", e.Message);
        e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(file, imageColumn: "label"));
        Assert.Contains("neither binary nor a struct", e.Message);
    }

    [Fact]
    public async Task SeveralRowGroupsAreReadInOrderWithGlobalRowNumbers()
    {
        using var dir = new TempDir();
        var file = dir["t.parquet"];
        var bytesField = new DataField<byte[]>("image");
        var labelField = new DataField<long?>("y");
        var nameField = new DataField<string>("name");
        var images = Enumerable.Range(0, 7).Select(i => i == 4 ? null : Enumerable.Range(0, 10 + i).Select(b => (byte)(b * i)).ToArray()).ToArray();
        using (var stream = File.Create(file))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(bytesField, labelField, nameField), stream))
        {
            foreach (var (start, count) in new[] { (0, 3), (3, 3), (6, 1) })
            {
                using var g = writer.CreateRowGroup();
                await g.WriteAsync(bytesField, images[start..(start + count)]!);
                await g.WriteAsync<long>(labelField, Enumerable.Range(start, count).Select(i => i == 5 ? (long?)null : 100 + i).ToArray().AsMemory());
                await g.WriteAsync(nameField, Enumerable.Range(start, count).Select(i => "n" + i).ToArray());
            }
        }
        using var table = ParquetImageReader.Open(file, labelColumn: "y");
        Assert.Equal(3, table.RowGroupCount);
        Assert.Equal(7, table.RowCount);
        Assert.False(table.IsStruct);
        var rows = table.Rows().ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{file}[{i}]"), rows.Select(r => r.Path));
        Assert.Equal([100, 101, 102, 103, 104, -1, 106], rows.Select(r => r.Label));
        for (int i = 0; i < 7; i++) Assert.Equal(images[i], rows[i].Bytes);
        Assert.Equal([3, 4, 5], table.ReadRowGroup(1, 3).Select(r => (int)r.Row));

        // Without --label-column there is no "label" column: labels are −1. A named non-integer column is refused.
        using (var unlabelled = ParquetImageReader.Open(file)) Assert.All(unlabelled.Rows(), r => Assert.Equal(-1, r.Label));
        var e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(file, labelColumn: "name"));
        Assert.Equal($"{file}: the label column 'name' is not an integer column (it holds String; integral floats are accepted, NaN as −1)", e.Message);
        File.WriteAllText(dir["bad.parquet"], "not parquet");
        e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(dir["bad.parquet"]));
        Assert.StartsWith(dir["bad.parquet"] + ": not a readable Parquet file", e.Message);
    }
}
