using System.Runtime.InteropServices;
using System.Text;
using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Nvrtc;

namespace Scat.Backends.Cuda.Driver;

/// <summary>What NVRTC produced: a CUBIN for sm_XY or PTX for compute_XY, and the compiler's log.</summary>
internal sealed record NvrtcOutput(byte[] Image, bool IsCubin, string Log);

/// <summary>Compiles CUDA C++ with NVRTC (headers passed in memory, options verbatim).</summary>
internal static unsafe class NvrtcCompiler
{
    /// <summary>True when the NVRTC library can be loaded (no P/Invoke is attempted otherwise).</summary>
    public static bool IsAvailable(out string description) => CudaLibraries.TryLoad(Library, out _, out description);

    public static (int Major, int Minor) Version()
    {
        Check(nvrtcVersion(out int major, out int minor));
        return (major, minor);
    }

    /// <summary>The sm_XY numbers NVRTC can target (e.g. 90), empty before NVRTC 11.2.</summary>
    public static int[] SupportedArchs()
    {
        try
        {
            Check(nvrtcGetNumSupportedArchs(out int n));
            var archs = new int[n];
            fixed (int* p = archs) Check(nvrtcGetSupportedArchs(p));
            return archs;
        }
        catch (EntryPointNotFoundException)
        {
            return [];
        }
    }

    /// <summary>
    /// Compiles <paramref name="source"/>; a CUBIN when <paramref name="cubin"/> (options must name an sm_XY
    /// architecture), else PTX. A failed compilation throws <see cref="NvrtcException"/> with the log.
    /// </summary>
    public static NvrtcOutput Compile(string source, string name, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options, bool cubin)
    {
        var strings = new List<nint>();
        nint Utf8(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s + "\0");
            nint p = Marshal.AllocHGlobal(bytes.Length);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            strings.Add(p);
            return p;
        }
        var prog = default(nvrtcProgram);
        try
        {
            var hs = headers.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
            byte** headerTexts = stackalloc byte*[Math.Max(1, hs.Length)];
            byte** headerNames = stackalloc byte*[Math.Max(1, hs.Length)];
            for (int i = 0; i < hs.Length; i++)
            {
                headerTexts[i] = (byte*)Utf8(hs[i].Value);
                headerNames[i] = (byte*)Utf8(hs[i].Key);
            }
            Check(nvrtcCreateProgram(out prog, (byte*)Utf8(source), (byte*)Utf8(name), hs.Length, headerTexts, headerNames));
            byte** opts = stackalloc byte*[Math.Max(1, options.Count)];
            for (int i = 0; i < options.Count; i++) opts[i] = (byte*)Utf8(options[i]);
            var compiled = nvrtcCompileProgram(prog, options.Count, opts);
            string log = ReadLog(prog);
            if (compiled != nvrtcResult.NVRTC_SUCCESS)
                throw new NvrtcException(compiled, ErrorText(compiled), $"nvrtcCompileProgram({name}, {string.Join(' ', options)})", log);
            byte[] image;
            if (cubin)
            {
                Check(nvrtcGetCUBINSize(prog, out nuint size));
                image = new byte[(int)size];
                fixed (byte* p = image) Check(nvrtcGetCUBIN(prog, p));
            }
            else
            {
                Check(nvrtcGetPTXSize(prog, out nuint size)); // includes the terminating NUL
                image = new byte[(int)size];
                fixed (byte* p = image) Check(nvrtcGetPTX(prog, p));
            }
            return new NvrtcOutput(image, cubin, log);
        }
        finally
        {
            if (prog.Handle != 0) nvrtcDestroyProgram(ref prog);
            foreach (var p in strings) Marshal.FreeHGlobal(p);
        }
    }

    private static string ReadLog(nvrtcProgram prog)
    {
        Check(nvrtcGetProgramLogSize(prog, out nuint size));
        if (size <= 1) return "";
        var buf = new byte[(int)size];
        fixed (byte* p = buf) Check(nvrtcGetProgramLog(prog, p));
        return Encoding.UTF8.GetString(buf, 0, buf.Length - 1).Trim('\0', ' ', '\n', '\r');
    }
}

/// <summary>
/// Compiles the embedded kernel files for a device and caches the images on disk, keyed by source hash,
/// target architecture and NVRTC version, so that a second run compiles nothing.
/// </summary>
internal static class KernelCache
{
    /// <summary>The target for a device of compute capability major.minor: sm_XY CUBIN when NVRTC knows it, else PTX for the newest compute_XY it does.</summary>
    public static (string Architecture, bool Cubin) Target(int major, int minor, int[] supported)
    {
        int cc = major * 10 + minor;
        if (supported.Length == 0 || supported.Contains(cc)) return ($"sm_{cc}", true);
        var below = supported.Where(a => a <= cc).ToArray();
        int arch = below.Length > 0 ? below.Max() : supported.Max();
        return ($"compute_{arch}", false);
    }

    public static string Directory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "scat", "kernels");
        }
    }

    public static IReadOnlyList<string> Options(string architecture) => ["--std=c++17", $"--gpu-architecture={architecture}"];

    /// <summary>The image of <paramref name="file"/> for the device, from the cache or freshly compiled (then cached).</summary>
    public static byte[] Get(string file, int major, int minor, out bool fromCache)
    {
        var (ver, archs) = (NvrtcCompiler.Version(), NvrtcCompiler.SupportedArchs());
        var (arch, cubin) = Target(major, minor, archs);
        var key = $"{Path.GetFileNameWithoutExtension(file)}-{arch}-nvrtc{ver.Major}.{ver.Minor}-{KernelSources.Hash(file)[..16]}.{(cubin ? "cubin" : "ptx")}";
        var path = Path.Combine(Directory, key);
        try
        {
            if (File.Exists(path))
            {
                fromCache = true;
                return File.ReadAllBytes(path);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        var output = NvrtcCompiler.Compile(KernelSources.Read(file), file, KernelSources.Headers, Options(arch), cubin);
        fromCache = false;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var tmp = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(tmp, output.Image);
            File.Move(tmp, path, overwrite: true); // atomic rename within the folder
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return output.Image;
    }
}
