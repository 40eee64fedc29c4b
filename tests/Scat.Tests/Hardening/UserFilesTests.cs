using Parquet;
using Parquet.Schema;
using Scat.Formats;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>
/// Issue 22, "files that belong to the user are never written": an output, --skipped file, part or manifest that
/// is (or resolves to, through links) an input file is refused before any work (exit 2, one line), and
/// --no-clobber with old parts is checked before any work.
/// </summary>
public class UserFilesTests
{
    private static readonly string[] Cpu = ["-J", "1", "--device", "cpu"];

    /// <summary>An (N, 1, 16, 16) float32 array.</summary>
    internal static string Array(string path, int n = 6)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(n);
        var values = new float[n * 16 * 16];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        using var file = File.Create(path);
        file.Write(NpyFormat.Header(NpyFormat.Float32, n, 1, 16, 16));
        NpyFormat.WriteFloats(file, values);
        return path;
    }

    /// <summary>A Parquet image table (an "image" column of PNG bytes) of <paramref name="n"/> rows.</summary>
    private static async Task<string> ImageTable(TempDir dir, string path, int n = 4)
    {
        var images = Enumerable.Range(0, n).Select(i => File.ReadAllBytes(BadFiles.NoisePng(dir[$"png/{i}.png"], 16, 16, seed: i))).ToArray();
        var field = new DataField<byte[]>("image");
        using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream);
        using var g = writer.CreateRowGroup();
        await g.WriteAsync(field, images);
        return path;
    }

    private static void AssertRefused(BadFiles.Run run, string expected)
    {
        Assert.True(run.Exit == 2, $"exit {run.Exit}: {run.Stderr}");
        var line = Assert.Single(BadFiles.Lines(run.Stderr));
        Assert.StartsWith("scat: error: ", line);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData("npz")]
    [InlineData("npy")]
    [InlineData("parquet")]
    public async Task AnOutputThatIsItsInputIsRefusedBeforeAnyWork(string ext)
    {
        using var dir = new TempDir();
        var same = dir[$"same.{ext}"];
        switch (ext)
        {
            case "npz": File.Copy(TestData.Path("arrays", "five_band_J2.npz"), same); break;
            case "npy": Array(same); break;
            default: await ImageTable(dir, same); break;
        }
        var before = File.ReadAllBytes(same);
        AssertRefused(BadFiles.Scat(["extract", same, "-o", same, .. Cpu]), $"the output {same} is the input {same}");
        Assert.Equal(before, File.ReadAllBytes(same));
        Assert.Empty(BadFiles.Temporaries(dir.Path));

        // The same file through a symbolic link: the link is not replaced either.
        var link = dir[$"link.{ext}"];
        File.CreateSymbolicLink(link, same);
        AssertRefused(BadFiles.Scat(["extract", same, "-o", link, .. Cpu]), $"the output {link} is through a link the same file as the input {same}");
        Assert.Equal(before, File.ReadAllBytes(same));
        Assert.Equal(same, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void ASkippedListAtAnInputImageOrAPartIsRefused()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 3; i++) BadFiles.NoisePng(dir[$"in/a/{i}.png"], 16, 16, seed: i);
        Fixtures.Corrupt(dir["in/a/bad.png"]);
        var image = dir["in/a/1.png"];
        var before = File.ReadAllBytes(image);
        AssertRefused(BadFiles.Scat(["extract", dir["in"], "-o", dir["f.npy"], "--skipped", image, .. Cpu]),
            $"the --skipped file {image} is the input {image}");
        Assert.Equal(before, File.ReadAllBytes(image));
        Assert.False(File.Exists(dir["f.npy"]));

        // One of the run's own parts, by name (refused before any file is read) and through a link.
        string[] parts = ["extract", dir["in"], "-o", dir["out/p-{part}.npy"], "--part-size", "2", .. Cpu];
        AssertRefused(BadFiles.Scat([.. parts, "--skipped", dir["out/p-00001.npy"]]), "is a part, sidecar or manifest of the run");
        AssertRefused(BadFiles.Scat([.. parts, "--skipped", dir["out/MANIFEST.json"]]), "is a part, sidecar or manifest of the run");
        Assert.False(Directory.Exists(dir["out"]));
        File.CreateSymbolicLink(dir["to-image"], image);
        AssertRefused(BadFiles.Scat([.. parts, "--skipped", dir["to-image"]]), $"the --skipped file {dir["to-image"]} is through a link the same file as the input {image}");
        Assert.Equal(before, File.ReadAllBytes(image));
    }

    [Fact]
    public void APartOrManifestThatIsAnInputIsRefused()
    {
        using var dir = new TempDir();
        // An array saved where the run's part 0 goes, and given as the input.
        var array = Array(dir["out/p-00000.npy"]);
        var before = File.ReadAllBytes(array);
        AssertRefused(BadFiles.Scat(["extract", array, "-o", dir["out/p-{part}.npy"], "--part-size", "2", .. Cpu]),
            $"the part file {array} is the input {array}");
        Assert.Equal(before, File.ReadAllBytes(array));
        Assert.Equal(["p-00000.npy"], Directory.GetFileSystemEntries(dir["out"]).Select(Path.GetFileName));

        // The manifest's name linked to the --files-from list.
        BadFiles.NoisePng(dir["in/0.png"], 16, 16);
        var list = dir["list.txt"];
        File.WriteAllText(list, dir["in/0.png"] + "\n");
        Directory.CreateDirectory(dir["out2"]);
        File.CreateSymbolicLink(dir["out2/MANIFEST.json"], list);
        AssertRefused(BadFiles.Scat(["extract", "--files-from", list, "-o", dir["out2/l-{part}.npy"], "--part-size", "2", .. Cpu]),
            $"the manifest {dir["out2/MANIFEST.json"]} is through a link the same file as the input {list}");
        Assert.Equal(dir["in/0.png"] + "\n", File.ReadAllText(list));
        Assert.Equal(list, new FileInfo(dir["out2/MANIFEST.json"]).LinkTarget);
    }

    [Fact]
    public void NoClobberRefusesOldPartsBeforeAnyWork()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["out"]);
        File.WriteAllText(dir["out/p-00003.npy"], "precious");
        // The input does not exist: had any work been done, the error would be about it.
        var run = BadFiles.Scat(["extract", dir["missing"], "-o", dir["out/p-{part}.npy"], "--part-size", "10", "--no-clobber", .. Cpu]);
        Assert.Equal(1, run.Exit);
        Assert.Equal($"scat: error: {dir["out/p-00003.npy"]} exists; not replaced (--no-clobber)", Assert.Single(BadFiles.Lines(run.Stderr)));
        Assert.Equal("precious", File.ReadAllText(dir["out/p-00003.npy"]));
        Assert.Equal(["p-00003.npy"], Directory.GetFileSystemEntries(dir["out"]).Select(Path.GetFileName));
    }
}
