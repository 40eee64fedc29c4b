using Scat.Backends.Cuda.Driver;
using Scat.Tests.Support;
using Xunit.Abstractions;

namespace Scat.Tests.Backends.Cuda;

/// <summary>Every kernel file compiles on its own with the installed NVRTC, with no error and no warning.</summary>
public class NvrtcCompileTests(ITestOutputHelper output)
{
    private static void RequireNvrtc()
    {
        Assert.True(NvrtcCompiler.IsAvailable(out var d),
            $"NVRTC could not be loaded ({d}); install it (Debian: libnvrtc11.2; pip: nvidia-cuda-nvrtc-cu12) or set SCAT_SKIP_NVRTC=1 to skip");
    }

    [NvrtcTheory]
    [MemberData(nameof(KernelFiles.CuFiles), MemberType = typeof(KernelFiles))]
    public void CompilesStandaloneAsPtxAndCubin(string file)
    {
        RequireNvrtc();
        var (major, minor) = NvrtcCompiler.Version();
        var source = File.ReadAllText(Path.Combine(KernelFiles.Directory, file));
        foreach (var (arch, cubin) in new[] { ("compute_80", false), ("sm_90", true) })
        {
            // Nothing but --std=c++17 -I kernels/: the headers come from the folder, not from memory.
            var options = new[] { "--std=c++17", $"--gpu-architecture={arch}", "-I", KernelFiles.Directory };
            var result = NvrtcCompiler.Compile(source, file, new Dictionary<string, string>(), options, cubin);
            output.WriteLine($"{file} {arch}: NVRTC {major}.{minor}, {result.Image.Length} bytes, log: '{result.Log}'");
            Assert.True(result.Log.Length == 0, $"{file} ({arch}) compiled with diagnostics:\n{result.Log}");
            Assert.NotEmpty(result.Image);
            if (!cubin)
            {
                var ptx = System.Text.Encoding.ASCII.GetString(result.Image);
                Assert.Contains(".target sm_80", ptx);
                foreach (var name in KernelNames(source)) Assert.Contains($".entry {name}(", ptx);
            }
            else
            {
                Assert.Equal(0x7F, result.Image[0]); // ELF
                Assert.Equal((byte)'E', result.Image[1]);
            }
        }
    }

    [NvrtcTheory]
    [MemberData(nameof(KernelFiles.CuFiles), MemberType = typeof(KernelFiles))]
    public void EmbeddedSourcesCompileWithInMemoryHeaders(string file)
    {
        RequireNvrtc();
        Assert.Equal(File.ReadAllText(Path.Combine(KernelFiles.Directory, file)), KernelSources.Read(file));
        var result = NvrtcCompiler.Compile(KernelSources.Read(file), file, KernelSources.Headers, KernelCache.Options("compute_80"), cubin: false);
        Assert.Equal("", result.Log);
    }

    [NvrtcFact]
    public void CompileErrorsCarryTheLog()
    {
        RequireNvrtc();
        var e = Assert.Throws<Scat.Backends.Cuda.Driver.NvrtcException>(() =>
            NvrtcCompiler.Compile("extern \"C\" __global__ void k() { undefined_thing(); }", "bad.cu",
                new Dictionary<string, string>(), ["--gpu-architecture=compute_80"], cubin: false));
        Assert.Equal("NVRTC_ERROR_COMPILATION", e.ErrorName);
        Assert.Contains("undefined_thing", e.Message);
    }

    [NvrtcTheory]
    [InlineData(9, 0)]
    [InlineData(12, 0)]
    public void KernelCacheCompilesOnceThenReadsFromDisk(int major, int minor)
    {
        RequireNvrtc();
        var saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var dir = Path.Combine(Path.GetTempPath(), "scat-cache-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", dir);
            var first = KernelCache.Get("modulus.cu", major, minor, out bool cached1);
            var second = KernelCache.Get("modulus.cu", major, minor, out bool cached2);
            Assert.False(cached1);
            Assert.True(cached2);
            Assert.Equal(first, second);
            var file = Assert.Single(Directory.GetFiles(Path.Combine(dir, "scat", "kernels")));
            output.WriteLine(Path.GetFileName(file));
            // NVRTC 11.8 knows sm_90 (CUBIN) but not sm_120 (PTX for the newest compute_XY it knows).
            Assert.EndsWith(KernelCache.Target(major, minor, NvrtcCompiler.SupportedArchs()).Cubin ? ".cubin" : ".ptx", file);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TargetPrefersCubinForKnownArchitectures()
    {
        Assert.Equal(("sm_90", true), KernelCache.Target(9, 0, [75, 80, 86, 89, 90]));
        Assert.Equal(("compute_90", false), KernelCache.Target(10, 0, [75, 80, 86, 89, 90]));
        Assert.Equal(("compute_86", false), KernelCache.Target(8, 7, [75, 80, 86, 89, 90]));
        Assert.Equal(("sm_80", true), KernelCache.Target(8, 0, []));
    }

    internal static IEnumerable<string> KernelNames(string source) =>
        System.Text.RegularExpressions.Regex.Matches(source, @"extern\s+""C""\s+__global__\s+void\s+(\w+)").Select(m => m.Groups[1].Value);
}
