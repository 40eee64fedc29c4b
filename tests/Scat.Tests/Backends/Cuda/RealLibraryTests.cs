using System.Reflection;
using System.Runtime.InteropServices;
using Scat.Backends.Cuda.Driver;
using Scat.Backends.Cuda.Interop;
using Scat.Tests.Support;
using Xunit.Abstractions;
using CudaApi = Scat.Backends.Cuda.Interop.Cuda;

namespace Scat.Tests.Backends.Cuda;

/// <summary>
/// A fact that needs the real CUDA libraries (driver, NVRTC, cuFFT; without a GPU: Debian's libcuda1, libnvrtc11.2 and
/// libcufft10, which .ci/install-deps installs). A missing library fails the test with what was searched, unless
/// SCAT_SKIP_CUDA_LIBS=1 asks to skip. <c>withoutGpu</c>: a fact about the machine without a GPU, skipped
/// where a usable device is present (the device tests in Cuda/CudaDeviceTests run it there).
/// </summary>
public sealed class CudaLibrariesFactAttribute : FactAttribute
{
    public CudaLibrariesFactAttribute(bool withoutGpu = false)
    {
        if (Environment.GetEnvironmentVariable("SCAT_SKIP_CUDA_LIBS") == "1" && RealLibraryTests.Missing() is { } why)
            Skip = "SCAT_SKIP_CUDA_LIBS=1 and " + why;
        else if (withoutGpu && CudaProbe.Problem(0) is null)
            Skip = "a usable CUDA device is present: this checks the real driver without one";
    }
}

/// <summary>The interop bindings against the real libraries (issue 22), and the real driver on a machine without a GPU.</summary>
public class RealLibraryTests(ITestOutputHelper output)
{
    private static readonly string[] Libraries = [CudaApi.Library, Nvrtc.Library, Cufft.Library];

    /// <summary>What is missing of the three libraries, or null.</summary>
    internal static string? Missing()
    {
        var missing = Libraries.Select(l => CudaLibraries.TryLoad(l, out _, out var where) ? null : $"{l}: {where}").OfType<string>().ToList();
        return missing.Count == 0 ? null : string.Join("; ", missing);
    }

    /// <summary>Every [LibraryImport] method of the interop room, with its library and the symbol it binds.</summary>
    private static List<(string Library, string EntryPoint, string Method)> Bindings() =>
        typeof(CudaLibraries).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(CudaLibraries).Namespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(b => b.Import is not null)
            .Select(b => (b.Import!.LibraryName, b.Import.EntryPoint ?? b.Method.Name, $"{b.Method.DeclaringType!.Name}.{b.Method.Name}"))
            .ToList();

    [Fact]
    public void TheBindingsAreFoundByReflectionAndNameOnlyTheResolversLibraries()
    {
        var bindings = Bindings();
        // The three interop classes declare their bindings; a library the resolver does not know would never load.
        Assert.Equal(Libraries.Order(StringComparer.Ordinal), bindings.Select(b => b.Library).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(bindings, b => b.EntryPoint == "cuLaunchKernel");
        Assert.Contains(bindings, b => b.EntryPoint == "nvrtcCompileProgram");
        Assert.Contains(bindings, b => b.EntryPoint == "cufftExecR2C");
    }

    [CudaLibrariesFact]
    public void EveryBindingResolvesInTheRealLibraries()
    {
        Assert.True(Missing() is null,
            $"the CUDA libraries could not be loaded ({Missing()}); install them (Debian: libcuda1, libnvrtc11.2, libcufft10: bash .ci/install-deps) or set SCAT_SKIP_CUDA_LIBS=1 to skip");
        var unresolved = new List<string>();
        foreach (var group in Bindings().GroupBy(b => b.Library))
        {
            CudaLibraries.TryLoad(group.Key, out nint handle, out var where);
            int count = 0;
            foreach (var (_, entry, method) in group)
            {
                count++;
                if (!NativeLibrary.TryGetExport(handle, entry, out _)) unresolved.Add($"{method} ({entry} in {where})");
            }
            output.WriteLine($"{group.Key}: {where}, {count} entry points");
        }
        Assert.True(unresolved.Count == 0, "not exported: " + string.Join(", ", unresolved));
        // The versions the bindings talk to: a driver for CUDA 11 or later, cuFFT 10 (CUDA 11) or later.
        Assert.Equal(CUresult.CUDA_SUCCESS, CudaApi.cuDriverGetVersion(out int driver));
        Assert.Equal(cufftResult.CUFFT_SUCCESS, Cufft.cufftGetVersion(out int cufft));
        output.WriteLine($"driver API {driver}, cuFFT {cufft}, NVRTC {NvrtcCompiler.Version()}");
        Assert.True(driver >= 11000, $"driver API version {driver}");
        Assert.True(cufft >= 10000, $"cuFFT version {cufft}");
    }

    [CudaLibrariesFact(withoutGpu: true)]
    public void TheRealDriverWithoutAGpuSaysSoInOneLineAndAutoFallsBackToTheCpu()
    {
        Assert.True(CudaLibraries.TryLoad(CudaApi.Library, out _, out var where), $"no CUDA driver ({where})");
        const string reason = "no CUDA device (the driver found none)";
        Assert.Equal(reason, CudaProbe.Problem(0));

        var input = TestData.Path("reference", "rgb32_J2", "images");
        string[] Extract(string device) => ["extract", input, "-J", "2", "-o", "-", "--device", device];
        var cuda = ChildProcess.RunScat(Extract("cuda"));
        Assert.Equal(1, cuda.Exit);
        Assert.Equal($"scat: error: device cuda: CUDA is not available: {reason}\n", cuda.Stderr);
        Assert.Empty(cuda.Stdout);

        var auto = ChildProcess.RunScat(Extract("auto"));
        var cpu = ChildProcess.RunScat(Extract("cpu"));
        Assert.True(auto.Exit == 0, auto.Stderr);
        Assert.True(cpu.Exit == 0, cpu.Stderr);
        var lines = auto.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"device: cpu (CUDA not used: {reason}; --device cpu skips the check and this line)", lines[0]);
        Assert.Equal(cpu.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length + 1, lines.Length);
        Assert.NotEmpty(cpu.Stdout);
        Assert.Equal(cpu.Stdout, auto.Stdout);
    }
}
