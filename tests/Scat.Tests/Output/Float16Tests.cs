using Scat.Cli;
using Scat.Output;
using Scat.Tests.Cli;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Output;

/// <summary>--dtype float16 (issue 14): numpy's astype(np.float16) exactly, half the size; Parquet refuses it.</summary>
public class Float16Tests
{
    /// <summary>Values where rounding is easy to get wrong: ties, subnormals, overflow, signed zeros, wide magnitudes.</summary>
    private static float[] HardValues(int count)
    {
        var rng = new Random(14);
        var v = new List<float> { 0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, -65520f, 1e-8f, 2.9802322e-8f, 2.98e-8f, 5.9604645e-8f, 6.1035156e-5f,
            6.09e-5f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, 1e30f, -1e-30f };
        // Exact ties between two halves: the float32 halfway between consecutive halves (round to even decides).
        for (int i = 0; i < 64; i++)
        {
            ushort h = (ushort)rng.Next(0, 0x7BFF);
            float lo = (float)BitConverter.UInt16BitsToHalf(h), hi = (float)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
            v.Add((lo + hi) / 2);
            v.Add(-(lo + hi) / 2);
            v.Add(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((lo + hi) / 2) + 1));
            v.Add(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((lo + hi) / 2) - 1));
        }
        while (v.Count < count) v.Add((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-30, 20))));
        return v.Take(count).ToArray();
    }

    [NumpyFact]
    public void TheWriterRoundsLikeNumpyAstype()
    {
        using var dir = new TempDir();
        var meta = new FeatureMetadata(new ScatteringLayout(8, 8, 1, 2, 2), 1, []);
        int images = 3;
        var values = HardValues(images * meta.FloatsPerImage);
        foreach (var (name, dtype) in new[] { ("f32.npy", FeatureDType.Float32), ("f16.npy", FeatureDType.Float16) })
        {
            using var w = new NpyFeatureWriter(dir[name]);
            w.Begin(meta with { DType = dtype });
            w.WriteBatch(values, new long[images], Enumerable.Repeat("x", images).ToList());
            w.Complete();
        }
        var r = ExternalTools.RunPython("""
            import sys, numpy as np
            a = np.load(sys.argv[1]); h = np.load(sys.argv[2])
            assert a.dtype == np.float32 and h.dtype == np.float16, (a.dtype, h.dtype)
            with np.errstate(over='ignore'):
                e = a.astype(np.float16)
            assert (e.view(np.uint16) == h.view(np.uint16)).all(), np.nonzero(e.view(np.uint16) != h.view(np.uint16))
            print('ok', h.size)
            """, dir["f32.npy"], dir["f16.npy"]);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Equal($"ok {values.Length}", r.Out.Trim());
    }

    [NumpyFact]
    public void Float16NpyIsTheFloat32RunRoundedAndHalfTheSize()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["f32.npy"], "-L", "4", "-q").Exit);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["f16.npy"], "-L", "4", "-q", "--dtype", "float16").Exit);
        Assert.Equal(0, InProcess.Scat("extract", dir["in"], "-o", dir["f16.npz"], "-L", "4", "-q", "--dtype", "float16").Exit);
        const int header = 128;
        long f32 = new FileInfo(dir["f32.npy"]).Length, f16 = new FileInfo(dir["f16.npy"]).Length;
        Assert.Equal(f32 - header, 2 * (f16 - header));

        var r = ExternalTools.RunPython("""
            import sys, numpy as np
            a = np.load(sys.argv[1]); h = np.load(sys.argv[2]); z = np.load(sys.argv[3])['features']
            assert h.dtype == np.dtype('<f2') and z.dtype == np.dtype('<f2')
            assert (a.astype(np.float16).view(np.uint16) == h.view(np.uint16)).all()
            assert z.tobytes() == h.tobytes()
            print('ok')
            """, dir["f32.npy"], dir["f16.npy"], dir["f16.npz"]);
        Assert.True(r.Exit == 0, r.Err);

        var info = InProcess.Scat("info", dir["f16.npz"]);
        Assert.Equal(0, info.Exit);
        Assert.Contains("dtype:         float16", info.Out);
        Assert.Contains("dtype:         float32", InProcess.Scat("info", dir["f32.npy"]).Out);
        Assert.Contains("\"dtype\": \"float16\"", InProcess.Scat("info", dir["f16.npy"], "--json").Out);
    }

    [Fact]
    public void ParquetRefusesFloat16WithOneLine()
    {
        using var dir = new TempDir();
        Fixtures.ClassFolder(dir["in"]);
        var run = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.parquet"], "--dtype", "float16");
        Assert.Equal(2, run.Exit);
        Assert.Equal("scat: error: --dtype float16 is not available for a .parquet output (Parquet.Net 6.1 cannot write Parquet's FLOAT16 type): use .npy or .npz, or --dtype float32\n", run.Stderr);
        Assert.False(Directory.Exists(dir["out"]));
        var ok = InProcess.Scat("extract", dir["in"], "-o", dir["out/f.parquet"], "-q");
        Assert.Equal(0, ok.Exit);
        Assert.Contains("dtype:         float32", InProcess.Scat("info", dir["out/f.parquet"]).Out);
    }
}
