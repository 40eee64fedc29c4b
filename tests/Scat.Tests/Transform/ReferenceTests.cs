using Scat.Backends;
using Scat.Backends.Cpu;
using Scat.Tests.Support;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Transform;

/// <summary>The CPU engine against Kymatio's coefficients (the contract's tolerance: 1e-5 per channel).</summary>
public class ReferenceTests(ITestOutputHelper output)
{
    public const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases()
    {
        foreach (var folder in new[] { "reference", "reference-extra" })
        {
            var dir = TestData.Path(folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var c in Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal))
                if (File.Exists(Path.Combine(c, "ref.npz")))
                    yield return [folder + "/" + Path.GetFileName(c)];
        }
    }

    [Fact]
    public void AllShippedReferenceCasesAreFound()
    {
        var names = Cases().Select(c => (string)c[0]).ToList();
        Assert.Contains("reference/rgb32_J2", names);
        Assert.Contains("reference/gray48x64_J3", names);
        Assert.Contains("reference/rgb33x45_J2_L4_order1", names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CpuEngineMatchesKymatio(string name)
    {
        var z = NpyFile.ReadNpz(TestData.Path(name, "ref.npz"));
        int j = (int)z["J"].ScalarInt(), l = (int)z["L"].ScalarInt(), order = (int)z["order"].ScalarInt();
        var x = z["x"];
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var layout = new ScatteringLayout(h, w, j, l, order);
        Assert.Equal(z["S"].Shape, new[] { n, c, layout.K, layout.OutHeight, layout.OutWidth });
        double worst = Run(new CpuEngine(layout, 2), x.AsFloat32(), n * c, z["S"].AsFloat32(), layout, out int k);
        output.WriteLine($"{name}: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= Tolerance, $"{name}: channel {k} differs by {worst:E3} relative");
    }

    [Fact]
    public void CpuEngineMatchesKymatiosOwnTestCase()
    {
        var z = NpyFile.ReadNpz(TestData.Path("reference", "kymatio_test_data_2d.npz"));
        Assert.Equal(0, z["pre_pad"].ScalarInt());
        int j = (int)z["J"].ScalarInt();
        var x = z["x"];
        int n = x.Shape[0], c = x.Shape[1];
        var layout = new ScatteringLayout(x.Shape[2], x.Shape[3], j, 8, 2);
        Assert.Equal(z["Sx"].Shape, new[] { n, c, layout.K, layout.OutHeight, layout.OutWidth });
        double worst = Run(new CpuEngine(layout, 2), x.AsFloat32(), n * c, z["Sx"].AsFloat32(), layout, out int k);
        output.WriteLine($"kymatio_test_data_2d: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= Tolerance, $"channel {k} differs by {worst:E3} relative");
    }

    internal static double Run(IScatteringEngine engine, float[] x, int planes, float[] reference, ScatteringLayout layout, out int worstChannel)
    {
        var s = new float[planes * layout.OutputPerPlane];
        engine.Transform(x, planes, s);
        return Agreement.WorstRelative(s, reference, layout.K, layout.OutPlaneSize, out worstChannel);
    }
}
