using System.Diagnostics;
using Scat.Backends.Cuda.Driver;
using Scat.Backends.Cuda.Interop;

namespace Scat.Tests.Support;

// Every skip attribute of the suite: a test that cannot run here is skipped with the reason, never passed.

/// <summary>Why a file-permission check cannot run here: Windows has no Unix modes, and root reads and writes anything.</summary>
internal static class Permissions
{
    public static readonly bool IsRoot = Environment.IsPrivilegedProcess;

    public static string? CannotDeny =>
        OperatingSystem.IsWindows() ? "Unix file modes are needed" :
        IsRoot ? "running as root, which reads and writes any file: a denied permission cannot be produced" : null;
}

/// <summary>A fact that needs a denied file permission; skipped, with the reason, as root or on Windows.</summary>
public sealed class PermissionFactAttribute : FactAttribute
{
    public PermissionFactAttribute()
    {
        if (Permissions.CannotDeny is { } why) Skip = why;
    }
}

/// <summary>A fact or theory for Unix only (signals, file modes, mount).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix system";
    }
}

public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix system";
    }
}

/// <summary>A fact that compares a Vector256 path with its scalar lanes: skipped where Vector256 is not accelerated (both
/// would be the scalar path).</summary>
public sealed class Vector256FactAttribute : FactAttribute
{
    public Vector256FactAttribute()
    {
        if (!System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) Skip = "Vector256 is not accelerated here";
    }
}

/// <summary>A fact that needs a small tmpfs mounted (to fill a disk): skipped, with the reason, when mount is refused here.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Problem = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Problem.Value is { } why) Skip = why;
    }

    /// <summary>Mounts a 1 MiB tmpfs on <paramref name="folder"/>; true when it worked.</summary>
    public static bool Mount(string folder)
    {
        try
        {
            var psi = new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder])
            { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no mount command
        }
    }

    private static string? Probe()
    {
        if (OperatingSystem.IsWindows()) return "needs a Unix system";
        var folder = Directory.CreateTempSubdirectory("scat-tmpfs-probe").FullName;
        try
        {
            if (!Mount(folder)) return "cannot mount a 1 MiB tmpfs here (needs root and mount permission)";
            Process.Start("umount", folder).WaitForExit();
            return null;
        }
        finally
        {
            try { Directory.Delete(folder); } catch (IOException) { }
        }
    }
}

/// <summary>A fact that needs a usable CUDA device (driver, device, NVRTC, cuFFT); skipped, with the reason, otherwise.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (CudaProbe.Problem(0) is { } why) Skip = "no usable CUDA device: " + why;
    }
}

public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (CudaProbe.Problem(0) is { } why) Skip = "no usable CUDA device: " + why;
    }
}

/// <summary>A fact about the behaviour without a usable CUDA device (the failure of <c>--device cuda</c>, the CPU
/// fallback of <c>--device auto</c>); skipped where there is one.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (CudaProbe.Problem(0) is null) Skip = "a usable CUDA device is present: this checks the behaviour without one";
    }
}

/// <summary>Why an NVRTC test is skipped: CI installs NVRTC, so a missing one fails the test with a clear message,
/// unless SCAT_SKIP_NVRTC=1 asks to skip.</summary>
internal static class NvrtcSkip
{
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable("SCAT_SKIP_NVRTC") == "1" && !NvrtcCompiler.IsAvailable(out var d)
            ? "NVRTC not available and SCAT_SKIP_NVRTC=1: " + d : null;
}

public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute() => Skip = NvrtcSkip.SkipReason;
}

public sealed class NvrtcTheoryAttribute : TheoryAttribute
{
    public NvrtcTheoryAttribute() => Skip = NvrtcSkip.SkipReason;
}

/// <summary>Runs only where /bin/bash is found (the reference for brace expansion).</summary>
public sealed class BashTheoryAttribute : TheoryAttribute
{
    public BashTheoryAttribute()
    {
        if (!File.Exists("/bin/bash")) Skip = "/bin/bash not found";
    }
}

/// <summary>Runs only on Linux (bash, /proc).</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux (bash and /proc)";
    }
}

/// <summary>Runs only where a python3 is found (<see cref="ExternalTools.Python"/>).</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (ExternalTools.Python == null) Skip = "python3 not found";
    }
}

public sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute()
    {
        if (ExternalTools.Python == null) Skip = "python3 not found";
    }
}

/// <summary>Runs only where /usr/bin/python3 has numpy (CI installs Debian's python3-numpy).</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    public NumpyFactAttribute()
    {
        if (!ExternalTools.HasNumpy) Skip = ExternalTools.NoNumpy;
    }
}

public sealed class NumpyTheoryAttribute : TheoryAttribute
{
    public NumpyTheoryAttribute()
    {
        if (!ExternalTools.HasNumpy) Skip = ExternalTools.NoNumpy;
    }
}

/// <summary>Runs only where /usr/bin/python3 has numpy and scikit-learn (Debian's python3-sklearn), as the samples need.</summary>
public sealed class SklearnFactAttribute : FactAttribute
{
    public SklearnFactAttribute()
    {
        if (!ExternalTools.HasSklearn) Skip = "/usr/bin/python3 with numpy and scikit-learn not found (apt-get install python3-sklearn)";
    }
}

/// <summary>Runs only where npm and node are on the PATH (DuckDB's Node client is installed from npm at test time).</summary>
public sealed class NpmFactAttribute : FactAttribute
{
    public NpmFactAttribute()
    {
        if (!ExternalTools.HasNpm) Skip = ExternalTools.NoNpm;
    }
}

public sealed class NpmTheoryAttribute : TheoryAttribute
{
    public NpmTheoryAttribute()
    {
        if (!ExternalTools.HasNpm) Skip = ExternalTools.NoNpm;
    }
}

/// <summary>
/// The SLURM test, which installs SLURM and munge and writes /etc/slurm: it runs only when asked, with
/// <c>SCAT_TEST_SLURM=1</c> (which <c>.ci/run</c> sets), and only as root on Linux.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public const string Variable = "SCAT_TEST_SLURM";

    public SlurmFactAttribute() => Skip = SkipReason(Environment.GetEnvironmentVariable(Variable), OperatingSystem.IsLinux() && Permissions.IsRoot);

    /// <summary>Null when the test is to run.</summary>
    public static string? SkipReason(string? asked, bool rootOnLinux) =>
        asked != "1" ? $"installs SLURM and writes /etc/slurm: runs only when asked ({Variable}=1, as .ci/run sets)"
        : !rootOnLinux ? "starting a SLURM cluster needs root on Linux"
        : null;
}

/// <summary>The real CUDA libraries (driver, NVRTC, cuFFT) that the interop room binds, and which of them cannot be loaded here.</summary>
internal static class RealCudaLibraries
{
    public static readonly string[] Names = [Scat.Backends.Cuda.Interop.Cuda.Library, Nvrtc.Library, Cufft.Library];

    /// <summary>What is missing of the three libraries, or null.</summary>
    public static string? Missing()
    {
        var missing = Names.Select(l => CudaLibraries.TryLoad(l, out _, out var where) ? null : $"{l}: {where}").OfType<string>().ToList();
        return missing.Count == 0 ? null : string.Join("; ", missing);
    }
}

/// <summary>
/// A fact that needs the real CUDA libraries (driver, NVRTC, cuFFT; without a GPU: Debian's libcuda1, libnvrtc11.2 and
/// libcufft10, which .ci/install-deps installs). A missing library fails the test with what was searched, unless
/// SCAT_SKIP_CUDA_LIBS=1 asks to skip. <c>withoutGpu</c>: a fact about the machine without a GPU, skipped
/// where a usable device is present (the device tests in Backends/Cuda/CudaDeviceTests run it there).
/// </summary>
public sealed class CudaLibrariesFactAttribute : FactAttribute
{
    public CudaLibrariesFactAttribute(bool withoutGpu = false)
    {
        if (Environment.GetEnvironmentVariable("SCAT_SKIP_CUDA_LIBS") == "1" && RealCudaLibraries.Missing() is { } why)
            Skip = "SCAT_SKIP_CUDA_LIBS=1 and " + why;
        else if (withoutGpu && CudaProbe.Problem(0) is null)
            Skip = "a usable CUDA device is present: this checks the real driver without one";
    }
}
