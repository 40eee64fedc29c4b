using Scat.Backends;
using Scat.Backends.Cuda;
using Scat.Backends.Cuda.Driver;
using Scat.Backends.Cuda.Interop;
using Scat.Tests.Backends.Cuda.Emulator;
using Scat.Tests.Support;
using Scat.Tests.Transform;
using Scat.Transform;
using Xunit.Abstractions;

namespace Scat.Tests.Backends.Cuda;

/// <summary>Device selection without a GPU, and the real device where there is one.</summary>
public class CudaDeviceTests(ITestOutputHelper output)
{
    [NoCudaFact]
    public void ExplicitCudaFailsAtOnceNamingWhatIsMissing()
    {
        var problem = CudaProbe.Problem(0);
        output.WriteLine($"probe: {problem}");
        var e = Assert.Throws<DeviceUnavailableException>(() => EngineFactory.Resolve(new DeviceSpec(DeviceKind.Cuda, 0)));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("device cuda: CUDA is not available: ", e.Message);
        Assert.Matches("driver|device|NVRTC|cuFFT", e.Message);
    }

    [Fact]
    public void AutoFallsBackToTheCpuWithOneNotice()
    {
        var notices = new List<string>();
        var d = EngineFactory.Resolve(new DeviceSpec(DeviceKind.Auto, 0), notices.Add);
        Assert.Single(notices);
        output.WriteLine(notices[0]);
        if (CudaProbe.Problem(0) is null) Assert.Equal(DeviceKind.Cuda, d.Kind);
        else
        {
            Assert.Equal(DeviceKind.Cpu, d.Kind);
            Assert.StartsWith("device: cpu (CUDA not used: ", notices[0]);
        }
    }

    [Fact]
    public void AMissingDeviceOrdinalIsNamed()
    {
        var problem = CudaProbe.Problem(4096);
        Assert.NotNull(problem);
        if (CudaProbe.Problem(0) is null) Assert.Contains("no CUDA device 4096", problem);
    }

    [NvrtcFact]
    public void NvrtcIsFoundThroughTheResolver()
    {
        Assert.True(NvrtcCompiler.IsAvailable(out var where), $"NVRTC could not be loaded ({where}); set SCAT_SKIP_NVRTC=1 to skip");
        output.WriteLine($"NVRTC: {where}, version {NvrtcCompiler.Version()}, archs {string.Join(",", NvrtcCompiler.SupportedArchs())}");
        Assert.Contains("libnvrtc", where);
        Assert.NotEmpty(NvrtcCompiler.SupportedArchs());
    }

    [CudaTheory]
    [MemberData(nameof(ReferenceTests.Cases), MemberType = typeof(ReferenceTests))]
    public void CudaEngineMatchesKymatio(string name)
    {
        var z = NpyFile.ReadNpz(TestData.Path(name, "ref.npz"));
        var x = z["x"];
        var layout = new ScatteringLayout(x.Shape[2], x.Shape[3], (int)z["J"].ScalarInt(), (int)z["L"].ScalarInt(), (int)z["order"].ScalarInt());
        using var engine = CudaEngine.Open(0, layout, maxBatch: 2);
        double worst = ReferenceTests.Run(engine, x.AsFloat32(), x.Shape[0] * x.Shape[1], z["S"].AsFloat32(), layout, out int k);
        output.WriteLine($"{name} on {engine.Description}: worst relative error {worst:E2} (channel {k})");
        Assert.True(worst <= ReferenceTests.Tolerance, $"{name}: channel {k} differs by {worst:E3} relative");
    }

    [CudaFact]
    public void SecondCompilationComesFromTheDiskCache()
    {
        using var ctx = new CudaContext(0);
        KernelCache.Get("pad.cu", ctx.ComputeMajor, ctx.ComputeMinor, out _);
        KernelCache.Get("pad.cu", ctx.ComputeMajor, ctx.ComputeMinor, out bool cached);
        Assert.True(cached);
    }

    [CudaFact]
    public unsafe void CufftMatchesTheEmulatorsHostFft()
    {
        using var device = new CudaDevice(0);
        int h = 10, w = 14, batch = 3;
        var rnd = new Random(5);
        var x = Enumerable.Range(0, h * w * batch).Select(_ => (float)rnd.NextDouble()).ToArray();
        int half = h * (w / 2 + 1) * 2 * batch;
        using var din = new DeviceBuffer<float>(x.Length);
        using var dout = new DeviceBuffer<float>(half);
        using var plan = new FftPlan(FftKind.R2C, h, w, batch);
        using var stream = new CudaStream();
        din.CopyFrom(x);
        plan.Execute(stream, din.Address, dout.Address, inverse: false);
        stream.Synchronize();
        var gpu = new float[half];
        dout.CopyTo(gpu);
        var host = new float[half];
        fixed (float* pi = x) fixed (float* po = host) HostFft.Execute(FftKind.R2C, h, w, batch, (nint)pi, (nint)po, false);
        for (int i = 0; i < half; i++) Assert.True(Math.Abs(gpu[i] - host[i]) < 1e-4, $"element {i}: {gpu[i]} vs {host[i]}");
    }

    [CudaFact]
    public void CudaErrorsNameTheCallAndTheError()
    {
        using var ctx = new CudaContext(0);
        var e = Assert.Throws<CudaException>(() => new DeviceBuffer<byte>(1L << 50));
        Assert.Contains("cuMemAlloc_v2", e.Message);
        Assert.True(e.OutOfMemory);
    }
}
