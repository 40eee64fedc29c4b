using Scat.Backends.Cpu;
using Scat.Backends.Cuda;
using Scat.Tests.Backends.Cuda.Emulator;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Backends.Cuda;

/// <summary>
/// The whole GPU pipeline (sub-batching, plans, launch geometry, buffer offsets, three streams and their events)
/// on the emulated device: the kernels of kernels/*.cu compiled by g++, a host FFT with cuFFT's semantics.
/// </summary>
public class EmulatedPipelineTests(ITestOutputHelper output)
{
    private static (ScatteringLayout Layout, float[] X, int Planes, float[] S) Load(string name, string sKey = "S")
    {
        var z = NpyFile.ReadNpz(TestData.Path(name.Contains('/') ? name.Split('/') : [name]));
        int j = (int)z["J"].ScalarInt();
        int l = z.ContainsKey("L") ? (int)z["L"].ScalarInt() : 8, order = z.ContainsKey("order") ? (int)z["order"].ScalarInt() : 2;
        var x = z["x"];
        var layout = new ScatteringLayout(x.Shape[2], x.Shape[3], j, l, order);
        return (layout, x.AsFloat32(), x.Shape[0] * x.Shape[1], z[sKey].AsFloat32());
    }

    [Theory]
    [MemberData(nameof(ReferenceTests.Cases), MemberType = typeof(ReferenceTests))]
    public void EmulatedGpuMatchesKymatio(string name)
    {
        var (layout, x, planes, s) = Load(name + "/ref.npz");
        using var device = new EmulatedDevice(seed: name.Length);
        // Sub-batches of 2 planes: several batches, a partial last one, every stream slot reused.
        using var engine = new CudaEngine(device, layout, maxBatch: 2);
        double worst = ReferenceTests.Run(engine, x, planes, s, layout, out int k);
        output.WriteLine($"{name}: {planes} planes, worst relative error {worst:E2} (channel {k}); {device.Launches} launches, {device.FftExecutions} FFTs");
        Assert.True(worst <= ReferenceTests.Tolerance, $"{name}: channel {k} differs by {worst:E3} relative");
    }

    [Fact]
    public void EmulatedGpuMatchesKymatiosOwnTestCase()
    {
        var (layout, x, planes, s) = Load("reference/kymatio_test_data_2d.npz", "Sx");
        using var device = new EmulatedDevice();
        using var engine = new CudaEngine(device, layout, maxBatch: 4);
        double worst = ReferenceTests.Run(engine, x, planes, s, layout, out int k);
        output.WriteLine($"kymatio_test_data_2d: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"channel {k} differs by {worst:E3} relative");
    }

    [Fact]
    public void EmulatedGpuAgreesWithTheCpuEngine()
    {
        var (layout, x, planes, _) = Load("reference/rgb33x45_J2_L4_order1/ref.npz");
        var gpu = new float[planes * layout.OutputPerPlane];
        var cpu = new float[planes * layout.OutputPerPlane];
        using (var device = new EmulatedDevice())
        using (var engine = new CudaEngine(device, layout, maxBatch: 3))
            engine.Transform(x, planes, gpu);
        using (var engine = new CpuEngine(layout, 2)) engine.Transform(x, planes, cpu);
        double worst = Agreement.WorstRelative(gpu, cpu, layout.K, layout.OutPlaneSize, out int k);
        output.WriteLine($"emulated GPU vs CPU engine: worst relative difference {worst:E2} (channel {k})");
        Assert.True(worst <= 1e-6, $"channel {k}: {worst:E3}");
    }

    [Fact]
    public void SubBatchesOverStreamsGiveTheSameBytesAsOneBatch()
    {
        var (layout, x, planes, _) = Load("reference/rgb32_J2/ref.npz");
        Assert.True(planes >= 6);
        float[] Run(int batch, int seed)
        {
            var s = new float[planes * layout.OutputPerPlane];
            using var device = new EmulatedDevice(seed);
            using var engine = new CudaEngine(device, layout, maxBatch: batch);
            engine.Transform(x, planes, s);
            Assert.Equal(Math.Min(batch, planes), engine.LastSubBatch);
            Assert.Equal([Math.Min(batch, planes)], device.FftBatches);
            return s;
        }
        var one = Run(planes, 1);
        foreach (var (batch, seed) in new[] { (1, 2), (2, 3), (4, 4), (4, 5) })
            Assert.True(one.AsSpan().SequenceEqual(Run(batch, seed)), $"sub-batches of {batch} (seed {seed}) differ from one batch");
    }

    [Fact]
    public void OutOfMemoryHalvesTheSubBatchAndRetries()
    {
        var (layout, x, planes, _) = Load("reference/rgb32_J2/ref.npz");
        var expected = new float[planes * layout.OutputPerPlane];
        using (var device = new EmulatedDevice())
        using (var engine = new CudaEngine(device, layout, maxBatch: planes))
            engine.Transform(x, planes, expected);

        // Room for about two planes of work, while the device claims plenty of free memory.
        long perPlane = GpuOps.BytesPerPlane(layout);
        using var small = new EmulatedDevice(seed: 7, memoryLimit: 2 * perPlane + 256 * 1024);
        using var retried = new CudaEngine(small, layout, maxBatch: planes);
        var actual = new float[expected.Length];
        retried.Transform(x, planes, actual);
        output.WriteLine($"{small.OutOfMemoryErrors} out-of-memory errors, sub-batch {retried.LastSubBatch}, peak {small.PeakAllocated} bytes");
        Assert.True(small.OutOfMemoryErrors > 0);
        Assert.InRange(retried.LastSubBatch, 1, planes / 2);
        Assert.True(expected.AsSpan().SequenceEqual(actual));
    }

    [Fact]
    public void FreeMemoryLowersTheSubBatch()
    {
        var (layout, x, planes, _) = Load("reference/rgb32_J2/ref.npz");
        long perPlane = GpuOps.BytesPerPlane(layout);
        using var device = new EmulatedDevice(reportedFree: (long)(3.5 * perPlane / 0.8));
        using var engine = new CudaEngine(device, layout, maxBatch: 64);
        engine.Transform(x, planes, new float[planes * layout.OutputPerPlane]);
        Assert.Equal(3, engine.LastSubBatch);
    }

    [Fact]
    public void EverythingIsFreedOnDispose()
    {
        var (layout, x, planes, _) = Load("reference/rgb33x45_J2_L4_order1/ref.npz");
        using var device = new EmulatedDevice();
        var engine = new CudaEngine(device, layout, maxBatch: 2);
        engine.Transform(x, planes, new float[planes * layout.OutputPerPlane]);
        Assert.True(device.LiveAllocations > 0);
        engine.Dispose();
        engine.Dispose();
        Assert.Equal(0, device.LiveAllocations);
    }

    [Fact]
    public void EmulatedGpuMatchesKymatioOnImagesOfManySizesOnOneDevice()
    {
        // Images at their own sizes (issue 21): one device, an engine per image size (as the pipeline's engine cache
        // makes them), each image against Kymatio's Scattering2D(shape=(H, W)); the device is left with nothing.
        var z = NpyFile.ReadNpz(TestData.Path("native", "mixed_rgb_J2_L4", "ref.npz"));
        int j = (int)z["J"].ScalarInt(), l = (int)z["L"].ScalarInt();
        int count = z["paths"].AsStrings().Length;
        using var device = new EmulatedDevice(seed: 3);
        var sizes = new HashSet<(int, int)>();
        for (int i = 0; i < count; i++)
        {
            var x = z[$"x{i}"];
            int h = x.Shape[^2], w = x.Shape[^1], planes = x.AsFloat32().Length / (h * w);
            sizes.Add((h, w));
            var layout = new ScatteringLayout(h, w, j, l, 2);
            using (var engine = new CudaEngine(device, layout, maxBatch: planes))
            {
                double worst = ReferenceTests.Run(engine, x.AsFloat32(), planes, z[$"S{i}"].AsFloat32(), layout, out int k);
                output.WriteLine($"image {i} ({h}x{w}): worst relative error {worst:E2} (channel {k})");
                Assert.True(worst <= ReferenceTests.Tolerance, $"image {i}, height {h}, width {w}: channel {k} differs by {worst:E3} relative");
            }
            Assert.Equal(0, device.LiveAllocations);
        }
        Assert.True(sizes.Count >= 4, $"only {sizes.Count} sizes");
    }
}
