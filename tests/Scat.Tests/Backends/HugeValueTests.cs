using Scat.Backends;
using Scat.Backends.Cpu;
using Scat.Backends.Cuda;
using Scat.Tests.Backends.Cuda.Emulator;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Backends;

/// <summary>
/// The modulus does not overflow where its result is finite (issue 22), on the CPU engine and on the GPU kernels
/// (run by the emulated device). The transform is positively homogeneous, S(c·x) = c·S(x), and for a power of two c
/// every step (FFT, filter product, modulus, crop) commutes exactly with the scaling: so the coefficients of
/// 2^60·x and 2^100·x must be exactly 2^60 and 2^100 times those of x, bit for bit, and as close to Kymatio's.
/// Before, |z|² overflowed float32 in the unnormalised inverse of each band and most coefficients were NaN.
/// </summary>
public class HugeValueTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Cases() => new()
    {
        { "cpu", 60 }, { "cpu", 100 }, { "emulated-gpu", 60 }, { "emulated-gpu", 100 },
    };

    private static IScatteringEngine Engine(string kind, ScatteringLayout layout, List<IDisposable> owned)
    {
        if (kind == "cpu") return new CpuEngine(layout, 2);
        var device = new EmulatedDevice();
        owned.Add(device);
        return new CudaEngine(device, layout, maxBatch: 4);
    }

    [Fact]
    public void AHugePlaneBesideOrdinaryOnesLeavesTheirBitsAlone()
    {
        // The CPU engine re-runs a lane group whose coefficients are not all finite with the guarded modulus: the
        // ordinary planes of that group must come out with the bits they have without the huge one.
        var z = NpyFile.ReadNpz(TestData.Path("reference", "rgb32_J2", "ref.npz"));
        var x = z["x"];
        int planes = x.Shape[0] * x.Shape[1], size = x.Shape[2] * x.Shape[3];
        var layout = new ScatteringLayout(x.Shape[2], x.Shape[3], (int)z["J"].ScalarInt(), (int)z["L"].ScalarInt(), (int)z["order"].ScalarInt());
        var plain = x.AsFloat32();
        var mixed = (float[])plain.Clone();
        float c = MathF.ScaleB(1f, 100);
        for (int i = 0; i < size; i++) mixed[size + i] *= c; // plane 1 huge, every other plane as it was
        var s = new float[planes * layout.OutputPerPlane];
        var m = new float[s.Length];
        using (var engine = new CpuEngine(layout, 1)) engine.Transform(plain, planes, s);
        using (var engine = new CpuEngine(layout, 1)) engine.Transform(mixed, planes, m);
        int per = layout.OutputPerPlane;
        for (int p = 0; p < planes; p++)
        {
            int differ = 0;
            for (int i = p * per; i < (p + 1) * per; i++)
                if (BitConverter.SingleToInt32Bits(m[i]) != BitConverter.SingleToInt32Bits(p == 1 ? s[i] * c : s[i])) differ++;
            Assert.True(differ == 0, $"plane {p}: {differ} of {per} coefficients changed beside a huge plane");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CoefficientsOfHugeInputsAreTheScaledCoefficientsExactly(string kind, int exponent)
    {
        var z = NpyFile.ReadNpz(TestData.Path("reference", "rgb32_J2", "ref.npz"));
        var x = z["x"];
        int planes = x.Shape[0] * x.Shape[1];
        var layout = new ScatteringLayout(x.Shape[2], x.Shape[3], (int)z["J"].ScalarInt(), (int)z["L"].ScalarInt(), (int)z["order"].ScalarInt());
        float c = MathF.ScaleB(1f, exponent);
        var plain = x.AsFloat32();
        var huge = plain.Select(v => v * c).ToArray();
        var s = new float[planes * layout.OutputPerPlane];
        var scaled = new float[s.Length];
        var owned = new List<IDisposable>();
        try
        {
            using (var engine = Engine(kind, layout, owned)) engine.Transform(plain, planes, s);
            using (var engine = Engine(kind, layout, owned)) engine.Transform(huge, planes, scaled);
        }
        finally
        {
            owned.ForEach(d => d.Dispose());
        }
        int notFinite = scaled.Count(v => !float.IsFinite(v));
        Assert.True(notFinite == 0, $"{notFinite} of {scaled.Length} coefficients of 2^{exponent}·x are not finite");
        int differ = 0;
        for (int i = 0; i < s.Length; i++)
            if (BitConverter.SingleToInt32Bits(scaled[i]) != BitConverter.SingleToInt32Bits(s[i] * c)) differ++;
        Assert.True(differ == 0, $"{differ} of {s.Length} coefficients of 2^{exponent}·x are not exactly 2^{exponent} times those of x");
        var reference = z["S"].AsFloat32().Select(v => v * c).ToArray();
        double worst = Agreement.WorstRelative(scaled, reference, layout.K, layout.OutPlaneSize, out int k);
        output.WriteLine($"{kind}, 2^{exponent}: worst relative error against Kymatio {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"channel {k} differs by {worst:E3} relative");
    }

    [Fact]
    public void ModulusOfHugeIsTheCorrectlyScaledHypotenuse()
    {
        // Against double precision, which holds |z|² of any float: within one rounding of sqrt and one of the scale.
        var random = new Random(22);
        for (int t = 0; t < 10_000; t++)
        {
            float x = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(60, 128)));
            float y = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-20, 128)));
            float scale = 1f / random.Next(1, 1 << 20);
            double exact = Math.Sqrt((double)x * x + (double)y * y) * scale;
            float got = CpuLaneGroup.ModulusOfHuge(x, y, scale);
            if (exact > float.MaxValue) { Assert.True(float.IsPositiveInfinity(got) || got >= float.MaxValue * 0.99999f); continue; }
            Assert.True(Math.Abs(got - exact) <= 2.5e-7 * exact, $"|{x} + i{y}|·{scale}: {got}, exactly {exact}");
        }
        Assert.True(float.IsNaN(CpuLaneGroup.ModulusOfHuge(float.NaN, 1f, 1f)));
        Assert.True(float.IsPositiveInfinity(CpuLaneGroup.ModulusOfHuge(float.NegativeInfinity, 1f, 1f)));
    }
}
