using System.Diagnostics;
using Scat.Backends.Cpu;
using Scat.Input.Containers;
using Scat.Tests.Cli;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Input.Containers;

/// <summary>numpy arrays as inputs: Kymatio's own test array, a five-band float64 array with Kymatio's coefficients,
/// and every supported dtype and byte order written by numpy itself.</summary>
public class NpyArrayReaderTests(ITestOutputHelper output)
{
    private static float[] All(NpyArrayReader a) => a.Images(freshBuffers: true).SelectMany(i => i.Pixels).ToArray();

    [Fact]
    public void KymatiosTestArrayIsReadAsItIs()
    {
        var file = TestData.Path("reference", "kymatio_test_data_2d.npz");
        using var a = NpyArrayReader.Open(file);
        Assert.Equal("x", a.ArrayKey);
        Assert.Equal("<f4", a.Dtype);
        Assert.Equal((2L, 3, 32, 32, true), (a.Count, a.Channels, a.Height, a.Width, a.HasChannelAxis));
        Assert.Null(a.Labels);
        var images = a.Images(freshBuffers: true).ToList();
        Assert.Equal([file + "[0]", file + "[1]"], images.Select(i => i.Path));
        Assert.All(images, i => Assert.Equal(-1, i.Label));
        var x = NpyFile.ReadNpz(file)["x"].AsFloat32();
        Assert.Equal(x.Select(BitConverter.SingleToInt32Bits), images.SelectMany(i => i.Pixels).Select(BitConverter.SingleToInt32Bits));
        // A stored member is read from the file with seeks: starting at image 1 reads image 1.
        Assert.True(a.IsSeekable);
        Assert.Equal(x[(3 * 32 * 32)..].Select(BitConverter.SingleToInt32Bits), a.Images(start: 1).Single().Pixels.Select(BitConverter.SingleToInt32Bits));
        // The other arrays can be chosen by key; a missing key names those there are.
        var e = Assert.Throws<ScatException>(() => NpyArrayReader.Open(file, "images"));
        Assert.Equal($"{file}: no array 'images' (arrays there: J, Sx, pre_pad, x)", e.Message);
        e = Assert.Throws<ScatException>(() => NpyArrayReader.Open(file, "J"));
        Assert.Equal($"{file} (array 'J'): unsupported dtype <i8 (expected float32, float64, uint8 or uint16)", e.Message);
    }

    [Fact]
    public void FiveBandFloat64ArrayMatchesKymatiosCoefficients()
    {
        // scripts/make-five-band-reference.py: x (2, 5, 24, 24) float64, y, Sx = kymatio.numpy.Scattering2D(J=2, L=8)(x).
        var file = TestData.Path("arrays", "five_band_J2.npz");
        var z = NpyFile.ReadNpz(file);
        using var a = NpyArrayReader.Open(file);
        Assert.Equal(("x", "<f8", 5, "y"), (a.ArrayKey, a.Dtype, a.Channels, a.LabelsKey));
        Assert.Equal([3, 1], a.Images().Select(i => i.Label));
        int j = (int)z["J"].ScalarInt(), l = (int)z["L"].ScalarInt();
        var layout = new ScatteringLayout(a.Height, a.Width, j, l, 2);
        Assert.Equal(z["Sx"].Shape, new[] { (int)a.Count, a.Channels, layout.K, layout.OutHeight, layout.OutWidth });
        double worst = ReferenceTests.Run(new CpuEngine(layout, 2), All(a), (int)a.Count * a.Channels, z["Sx"].AsFloat32(), layout, out int k);
        output.WriteLine($"five-band float64: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"channel {k} differs by {worst:E3} relative");
        // The member is deflated: starting at image 1 reads forward to it.
        Assert.False(a.IsSeekable);
        Assert.Equal(All(a)[(5 * 24 * 24)..], a.Images(start: 1).Single().Pixels);
    }

    private const string MakeCases = """
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(7)
base = rng.uniform(0, 60000, size=(3, 2, 5, 4))
for dt in ['<f4', '>f4', '<f8', '>f8', '|u1', '<u2', '>u2']:
    a = base.astype(dt) if dt[1] == 'f' else (base % (256 if dt[-1] == '1' else 65536)).astype(dt)
    tag = {'<': 'le', '>': 'be', '|': 'na'}[dt[0]] + dt[1:]
    np.save(f'{out}/nchw_{tag}.npy', a)
    np.save(f'{out}/nchw_{tag}_expected.npy', a.astype('<f4'))
    np.save(f'{out}/nhw_{tag}.npy', a[:, 0])
    np.save(f'{out}/nhw_{tag}_expected.npy', a[:, 0].astype('<f4'))
np.save(f'{out}/fortran.npy', np.asfortranarray(base))
np.save(f'{out}/int32.npy', base.astype('<i4'))
np.save(f'{out}/flat.npy', base.reshape(-1))
x = base.astype('<f4')
np.savez(f'{out}/labelled.npz', images=x, labels=np.array([7, -2, 5], dtype='>i4'))
np.savez_compressed(f'{out}/labelled_deflated.npz', x=x, y=np.array([1, 2, 3], dtype='<u1'))
np.savez(f'{out}/two.npz', a=x, b=x)
np.savez(f'{out}/badlabels.npz', x=x, labels=np.array([1, 2], dtype='<i8'))
np.savez(f'{out}/floatlabels.npz', x=x, y=np.array([1.0, 2.0, 3.0]))
np.save(f'{out}/x_expected.npy', x)
""";

    private static void Python(string code, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(code);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));
        Assert.True(p.ExitCode == 0, err.Result);
    }

    [NumpyTheory]
    [InlineData("le")]
    [InlineData("be")]
    public void EveryDtypeInEitherByteOrderIsReadAsNumpyConvertsIt(string order)
    {
        using var dir = new TempDir();
        Python(MakeCases, dir.Path);
        var tags = new[] { "f4", "f8", "u2" }.Select(t => order + t).Concat(order == "le" ? ["nau1"] : []);
        foreach (var tag in tags)
            foreach (var shape in new[] { "nchw", "nhw" })
            {
                var name = $"{shape}_{tag}";
                using var a = NpyArrayReader.Open(dir[name + ".npy"]);
                Assert.Equal(shape == "nchw" ? (3L, 2, 5, 4) : (3L, 1, 5, 4), (a.Count, a.Channels, a.Height, a.Width));
                var expected = NpyFile.Read(dir[name + "_expected.npy"]).AsFloat32();
                Assert.True(expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(All(a).Select(BitConverter.SingleToInt32Bits)), name);
                Assert.Equal(dir[name + ".npy"] + "[2]", a.Images(start: 2).Single().Path);
            }
    }

    [NumpyFact]
    public void LabelsKeysAndRefusalsAreOneLineNamingTheFile()
    {
        using var dir = new TempDir();
        Python(MakeCases, dir.Path);
        var x = NpyFile.Read(dir["x_expected.npy"]).AsFloat32();

        using (var a = NpyArrayReader.Open(dir["labelled.npz"]))
        {
            Assert.Equal(("images", "labels"), (a.ArrayKey, a.LabelsKey)); // the only array besides the labels
            Assert.Equal([7, -2, 5], a.Images().Select(i => i.Label));
            Assert.Equal(x, All(a));
        }
        using (var a = NpyArrayReader.Open(dir["labelled_deflated.npz"]))
        {
            Assert.Equal([1, 2, 3], a.Images().Select(i => i.Label));
            Assert.Equal(x, All(a));
            Assert.Equal(x[(2 * 40)..], a.Images(start: 2).Single().Pixels);
        }
        using (var a = NpyArrayReader.Open(dir["two.npz"], "b"))
        {
            Assert.True(a.IsSeekable); // stored member 'b', the second in the archive
            Assert.Equal(x, All(a));
            Assert.Equal(x[(1 * 40)..(2 * 40)], a.Images(start: 1, count: 1).Single().Pixels);
        }

        void Refused(string file, string? key, string message)
        {
            var e = Assert.Throws<ScatException>(() => NpyArrayReader.Open(dir[file], key));
            Assert.Equal(message.Replace("DIR/", dir.Path + "/"), e.Message);
        }
        Refused("two.npz", null, "DIR/two.npz: no array 'x' and several arrays to choose from; name one with --array-key (arrays there: a, b)");
        Refused("fortran.npy", null, "DIR/fortran.npy: Fortran-order arrays are not supported (save it with numpy.ascontiguousarray first)");
        Refused("int32.npy", null, "DIR/int32.npy: unsupported dtype <i4 (expected float32, float64, uint8 or uint16)");
        Refused("flat.npy", null, "DIR/flat.npy: shape (120,) is not (N, H, W) or (N, C, H, W)");
        Refused("badlabels.npz", null, "DIR/badlabels.npz (array 'x'): the labels array 'labels' has 2 entries for 3 images");
        Refused("floatlabels.npz", null, "DIR/floatlabels.npz (array 'y'): labels must be integers, got dtype <f8");
        Assert.Throws<ScatUsageException>(() => NpyArrayReader.Open(dir["int32.npy"], "x"));

        // A truncated file: its header claims more images than its data hold, so it is not trusted (one line naming it
        // when opened, before anything is listed).
        var bytes = File.ReadAllBytes(dir["nchw_lef4.npy"]);
        File.WriteAllBytes(dir["cut.npy"], bytes[..^10]);
        var error = Assert.Throws<ScatException>(() => NpyArrayReader.Open(dir["cut.npy"]));
        Assert.Equal(dir["cut.npy"] + ": the NPY header claims 3 images of 160 bytes but the data hold 470 bytes (2 images); " +
            "the file is truncated or its header cannot be trusted", error.Message);
    }
}
