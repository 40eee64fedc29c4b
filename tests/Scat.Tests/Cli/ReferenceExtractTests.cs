using Scat.Cli;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Cli;

/// <summary>
/// End to end: the real `scat extract` on the reference PNG folders, the NPZ read back by an independent reader,
/// compared with Kymatio's coefficients, paths and labels.
/// </summary>
public class ReferenceExtractTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(TestData.Path("reference"))
            .Where(d => Directory.Exists(Path.Combine(d, "images")))
            .Select(d => new object[] { Path.GetFileName(d) })
            .OrderBy(c => (string)c[0], StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ExtractMatchesKymatio(string name)
    {
        var refz = NpyFile.ReadNpz(TestData.Path("reference", name, "ref.npz"));
        int j = (int)refz["J"].ScalarInt(), l = (int)refz["L"].ScalarInt(), order = (int)refz["order"].ScalarInt();
        int c = refz["x"].Shape[1];
        var outDir = Directory.CreateTempSubdirectory("scat-ref-");
        try
        {
            string outPath = Path.Combine(outDir.FullName, "f.npz");
            var run = await InProcess.ScatAsync(
                "extract", TestData.Path("reference", name, "images"), "-o", outPath,
                "-J", j.ToString(), "-L", l.ToString(), "--order", order.ToString(), "--color", c == 1 ? "gray" : "rgb",
                "--device", "cpu", "--batch-size", "3");
            Assert.True(run.Exit == 0, run.Stderr);
            var z = NpyFile.ReadNpz(outPath);
            var s = refz["S"];
            Assert.Equal(s.Shape, z["features"].Shape);
            Assert.Equal(refz["paths"].AsStrings(), z["paths"].AsStrings());
            Assert.Equal(refz["labels"].AsInt64(), z["labels"].AsInt64());
            var layout = new ScatteringLayout(refz["x"].Shape[2], refz["x"].Shape[3], j, l, order);
            double worst = Agreement.WorstRelative(z["features"].AsFloat32(), s.AsFloat32(), layout.K, layout.OutPlaneSize, out int k);
            output.WriteLine($"{name}: worst relative error {worst:E2} (channel {k})");
            Assert.True(worst <= ReferenceTests.Tolerance, $"{name}: channel {k} differs by {worst:E3}");
            // Channel meta in the contract's order.
            Assert.Equal(layout.Channels.Select(m => (long)m.Order), z["order"].AsInt64());
            Assert.Equal(layout.Channels.Select(m => (long)m.J1), z["j1"].AsInt64());
            Assert.Equal(layout.Channels.Select(m => (long)m.Theta2), z["theta2"].AsInt64());
        }
        finally { outDir.Delete(recursive: true); }
    }
}
