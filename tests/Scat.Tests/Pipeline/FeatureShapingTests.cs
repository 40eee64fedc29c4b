using System.Reflection;
using System.Text.Json;
using Scat.Cli;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;
using Xunit;

namespace Scat.Tests.Pipeline;

/// <summary>
/// Issue 19: what shapes the features is declared once, on <see cref="ExtractOptions"/>; the resume manifest compares
/// exactly those options and every output (NPZ, Parquet, an NPY part's sidecar) records exactly those.
/// </summary>
public class FeatureShapingTests
{
    private static (int Exit, string Stderr) Scat(params string[] args) => InProcess.Scat(args) is var r ? (r.Exit, r.Stderr) : default;

    /// <summary>The types whose properties are options: the record and the records it expands ([FeatureShaping] without a name).</summary>
    private static IEnumerable<Type> OptionTypes(Type type)
    {
        yield return type;
        foreach (var p in FeatureShaping.Properties(type))
            if (FeatureShaping.Marked(p) is { Name: null })
                foreach (var inner in OptionTypes(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType)) yield return inner;
    }

    [Fact]
    public void EveryExtractOptionIsDeclaredShapingOrNotShaping()
    {
        var types = OptionTypes(typeof(ExtractOptions)).ToList();
        Assert.Contains(typeof(CoefficientOptions), types);
        foreach (var type in types)
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                bool shaping = FeatureShaping.Marked(p) is not null, not = FeatureShaping.MarkedNot(p);
                Assert.True(shaping != not, $"{type.Name}.{p.Name} must be marked [FeatureShaping(\"name\")] or [NotFeatureShaping] (and not both)");
            }
        var names = FeatureShaping.Names<ExtractOptions>();
        Assert.Equal(names.Distinct().Count(), names.Count);
        // The options a newcomer asks about are there, under their long option's name.
        Assert.Superset(new HashSet<string> { "size", "fit", "pool", "padding", "renorm", "log", "rotation_invariant", "J", "L", "order", "color", "decode", "dtype" },
            names.ToHashSet());
    }

    [Fact]
    public void AnEnumOptionIsRecordedAsTheOptionSpellsIt()
    {
        // FeatureShaping.Text writes an enum in lower case; each choice must read back through its option's parser.
        foreach (var m in Enum.GetValues<PaddingMode>()) Assert.True(PadIndex.TryParse(FeatureShaping.Text(m), out var r) && r == m, $"{m}");
        foreach (var m in Enum.GetValues<PoolMode>()) Assert.True(Pooling.TryParse(FeatureShaping.Text(m), out var r) && r == m, $"{m}");
        foreach (var m in Enum.GetValues<FeatureDType>()) Assert.True(FeatureDTypes.TryParse(FeatureShaping.Text(m), out var r) && r == m, $"{m}");
        foreach (var m in Enum.GetValues<ParquetCompression>())
            Assert.True(ParquetFeatureWriter.TryParseCompression(FeatureShaping.Text(m), out var r) && r == m, $"{m}");
        foreach (var m in Enum.GetValues<FitMode>())
            Assert.True(ResizeSpec.TryParseFit(FeatureShaping.Text(m), out var r) && r == m, $"{m}");
        var color = CommonOptions.Color(); // choices are parsed by the option itself (CommonOptions.Choice)
        var command = new System.CommandLine.RootCommand { color };
        foreach (var m in Enum.GetValues<ColorMode>()) Assert.Equal(m, command.Parse(["--color", FeatureShaping.Text(m)]).GetValue(color));
        Assert.Equal(["exact", "scaled"], Enum.GetValues<DecodeMode>().Select(m => FeatureShaping.Text(m)).Order()); // --decode's choices
    }

    [Fact]
    public async Task TheManifestAndEveryOutputRecordExactlyTheFeatureShapingOptions()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 3; i++) Fixtures.Png(dir[$"in/c{i % 2}/{i}.png"], 20, 14);
        string[] shape = ["-J", "1", "-L", "4", "--size", "12x16", "--fit", "pad", "--pool", "mean", "--padding", "zero", "--renorm", "--log",
            "--color", "gray", "--device", "cpu", "-q"];
        foreach (var output in new[] { "f.npz", "f.parquet", "parts/p-{part}.npy" })
        {
            string[] parts = output.Contains("{part}") ? ["--part-size", "2"] : [];
            var run = Scat(["extract", dir["in"], "-o", dir[output], .. shape, .. parts]);
            Assert.True(run.Exit == 0, run.Stderr);
        }
        var names = FeatureShaping.Names<ExtractOptions>();

        var npz = NpzOptions(dir["f.npz"]);
        var sidecar = NpzOptions(dir["parts/p-00000.meta.npz"]);
        Dictionary<string, string> parquet;
        await using (var reader = await Parquet.ParquetReader.CreateAsync(dir["f.parquet"]))
        {
            var meta = JsonDocument.Parse(reader.CustomMetadata[ParquetFeatureWriter.MetadataKey]).RootElement;
            parquet = meta.GetProperty("options").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
        var manifest = JsonDocument.Parse(File.ReadAllBytes(dir["parts/MANIFEST.json"])).RootElement.GetProperty("options")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        foreach (var (where, options) in new[] { ("npz", npz), ("sidecar", sidecar), ("parquet", parquet), ("manifest", manifest) })
        {
            Assert.True(names.Order(StringComparer.Ordinal).SequenceEqual(options.Keys.Order(StringComparer.Ordinal)),
                $"{where} records {string.Join(",", options.Keys)}, not {string.Join(",", names)}");
            Assert.Equal("12x16", options["size"]);
            Assert.Equal("pad", options["fit"]);
            Assert.Equal("mean", options["pool"]);
            Assert.Equal("zero", options["padding"]);
            Assert.Equal("true", options["renorm"]);
            Assert.Equal("true", options["log"]);
            Assert.Equal("false", options["rotation_invariant"]);
            Assert.Equal("gray", options["color"]);
            Assert.Equal("1", options["J"]);
            Assert.Equal("4", options["L"]);
            Assert.Equal(where == "parquet" ? "zstd" : "none", options["compression"]);
        }
        Assert.Equal(npz, sidecar);
        Assert.Equal(npz, manifest);
        // In declaration order in the outputs (what scat info prints).
        Assert.Equal(names, NpzOptionList(dir["f.npz"]).Select(kv => kv.Key));
    }

    [Fact]
    public void ResumeComparesTheFeatureShapingOptionsAndThePartPlan()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 5; i++) Fixtures.Png(dir[$"in/{i}.png"], 16, 16);
        string[] Args(params string[] extra) => ["extract", dir["in"], "-o", dir["out/p-{part}.npy"], "-J", "1", "-L", "2", "--size", "16",
            "--device", "cpu", .. extra];
        Assert.Equal(0, Scat(Args("--part-size", "2", "-q")).Exit);
        var before = File.ReadAllBytes(dir["out/p-00000.npy"]);

        var fit = Scat(Args("--part-size", "2", "--resume", "--fit", "stretch"));
        Assert.Equal(1, fit.Exit);
        Assert.StartsWith("scat: error: --resume refused: option fit is stretch now but crop in the manifest", fit.Stderr);
        var size = Scat(Args("--part-size", "3", "--resume"));
        Assert.Equal(1, size.Exit);
        Assert.StartsWith("scat: error: --resume refused: the part size is 3 now but 2 in the manifest", size.Stderr);
        Assert.Equal(before, File.ReadAllBytes(dir["out/p-00000.npy"]));
        Assert.Equal(0, Scat(Args("--part-size", "2", "--resume", "-q")).Exit);
    }

    private static List<KeyValuePair<string, string>> NpzOptionList(string path) =>
        NpyFile.ReadNpz(path)["options"].AsStrings().Select(FeatureShaping.ParsePair).ToList();

    private static Dictionary<string, string> NpzOptions(string path) => NpzOptionList(path).ToDictionary();
}
