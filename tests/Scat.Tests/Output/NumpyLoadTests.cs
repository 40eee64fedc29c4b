using System.Diagnostics;
using Scat.Cli;
using Scat.Tests.Support;

namespace Scat.Tests.Output;

/// <summary>numpy itself loads what scat writes, without pickle, with the same values the tests' reader sees.</summary>
public class NumpyLoadTests
{
    [NumpyFact]
    public async Task NpzAndNpyLoadWithoutPickle()
    {
        using var dir = new TempDir();
        var folder = TestData.Path("reference", "rgb33x45_J2_L4_order1", "images");
        foreach (var output in new[] { "f.npz", "f.npy" })
        {
            Assert.Equal(0, (await InProcess.ScatAsync("extract", folder, "-L", "4", "--order", "1", "-q", "-o", dir[output])).Exit);
        }
        const string code = """
            import sys, numpy as np
            z = np.load(sys.argv[1], allow_pickle=False)
            a = np.load(sys.argv[2], allow_pickle=False)
            f = z["features"]
            assert f.dtype == np.float32 and f.shape == a.shape and (f == a).all()
            print(" ".join(str(d) for d in f.shape))
            print(repr(float(f.astype(np.float64).sum())))
            print(z["labels"].dtype, " ".join(str(int(v)) for v in z["labels"]))
            print("|".join(str(p) for p in z["paths"]))
            print("|".join(str(c) for c in z["classes"]))
            print(" ".join(str(int(v)) for v in z["order"]), int(z["J"]), int(z["L"]))
            """;
        var (code2, output2, err) = ExternalTools.RunPython(code, dir["f.npz"], dir["f.npy"]);
        Assert.True(code2 == 0, err);
        var lines = output2.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var mine = NpyFile.ReadNpz(dir["f.npz"]);
        Assert.Equal(string.Join(' ', mine["features"].Shape), lines[0]);
        Assert.Equal(mine["features"].AsFloat32().Sum(v => (double)v), double.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture), 1e-6);
        Assert.Equal("int64 " + string.Join(' ', mine["labels"].AsInt64()), lines[2]);
        Assert.Equal(string.Join('|', mine["paths"].AsStrings()), lines[3]);
        Assert.Equal(string.Join('|', mine["classes"].AsStrings()), lines[4]);
        Assert.Equal(string.Join(' ', mine["order"].AsInt64()) + " 2 4", lines[5]);
    }
}
