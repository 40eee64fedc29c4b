using System.Reflection;
using System.Runtime.InteropServices;

namespace Scat.Backends.Cuda.Interop;

/// <summary>
/// Finds the native libraries of CUDA 11, 12 and 13 for the logical names <c>cuda</c>, <c>nvrtc</c> and
/// <c>cufft</c> used by the <c>[LibraryImport]</c> declarations, through one resolver registered once.
/// A missing library is a normal state: <see cref="TryLoad"/> probes without throwing, and callers probe
/// before any P/Invoke.
/// Search order for each name: <c>SCAT_CUDA_LIB_DIR</c>; then, newest release first, each versioned soname
/// through the system loader (LD_LIBRARY_PATH, ldconfig), <c>$CUDA_PATH/lib64</c>, <c>/usr/local/cuda*/lib64</c>
/// (newest first) and the <c>nvidia/*/lib</c> folders of Python environments (pip's nvidia-* wheels).
/// </summary>
internal static class CudaLibraries
{
    private static readonly Dictionary<string, string[]> Sonames = new()
    {
        [Cuda.Library] = ["libcuda.so.1", "libcuda.so"],
        [Nvrtc.Library] = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
        [Cufft.Library] = ["libcufft.so.12", "libcufft.so.11", "libcufft.so.10", "libcufft.so"],
    };

    private static readonly object Gate = new();
    private static readonly Dictionary<string, (nint Handle, string? Path, string Tried)> Loaded = new();
    private static int _registered;

    /// <summary>Registers the resolver for this assembly (once; later calls do nothing).</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        Sonames.ContainsKey(name) && TryLoad(name, out nint h, out _) ? h : 0;

    /// <summary>Loads the library for a logical name (cached); <paramref name="description"/> is its path, or what was searched.</summary>
    public static bool TryLoad(string name, out nint handle, out string description)
    {
        EnsureRegistered();
        lock (Gate)
        {
            if (!Loaded.TryGetValue(name, out var entry))
            {
                entry = Search(name);
                Loaded[name] = entry;
            }
            handle = entry.Handle;
            description = entry.Path ?? entry.Tried;
            return handle != 0;
        }
    }

    private static (nint, string?, string) Search(string name)
    {
        var names = Sonames[name];
        var dirs = SearchDirectories();
        var overrideDir = Environment.GetEnvironmentVariable("SCAT_CUDA_LIB_DIR");
        if (!string.IsNullOrEmpty(overrideDir))
            foreach (var so in names)
                if (TryLoadFile(Path.Combine(overrideDir, so), name, out var h)) return (h, Path.Combine(overrideDir, so), "");
        foreach (var so in names)
        {
            if (so.EndsWith(".so", StringComparison.Ordinal)) continue; // unversioned names last
            if (NativeLibrary.TryLoad(so, out var h))
            {
                if (name == Nvrtc.Library) PreloadBuiltins(null);
                return (h, so, "");
            }
            foreach (var dir in dirs)
                if (TryLoadFile(Path.Combine(dir, so), name, out h)) return (h, Path.Combine(dir, so), "");
        }
        foreach (var so in names.Where(s => s.EndsWith(".so", StringComparison.Ordinal)))
            if (NativeLibrary.TryLoad(so, out var h)) return (h, so, "");
        var tried = $"{string.Join(", ", names.Where(s => !s.EndsWith(".so", StringComparison.Ordinal)))} not found in the system library path" +
                    (dirs.Count > 0 ? $" or {string.Join(", ", dirs)}" : "") +
                    (string.IsNullOrEmpty(overrideDir) ? "" : $" or SCAT_CUDA_LIB_DIR={overrideDir}");
        return (0, null, tried);
    }

    private static bool TryLoadFile(string file, string name, out nint handle)
    {
        handle = 0;
        if (!File.Exists(file)) return false;
        // NVRTC loads libnvrtc-builtins by name at compile time: load the one beside it first.
        if (name == Nvrtc.Library) PreloadBuiltins(Path.GetDirectoryName(file));
        return NativeLibrary.TryLoad(file, out handle);
    }

    private static void PreloadBuiltins(string? dir)
    {
        if (dir is null || !Directory.Exists(dir)) return;
        foreach (var f in Directory.GetFiles(dir, "libnvrtc-builtins.so*").OrderByDescending(f => f.Length).ThenByDescending(f => f, StringComparer.Ordinal))
            if (NativeLibrary.TryLoad(f, out _)) return;
    }

    /// <summary>The folders searched after the system loader, in order.</summary>
    internal static List<string> SearchDirectories()
    {
        var dirs = new List<string>();
        void Add(string? d)
        {
            if (!string.IsNullOrEmpty(d) && Directory.Exists(d) && !dirs.Contains(d)) dirs.Add(d);
        }
        var cudaPath = Environment.GetEnvironmentVariable("CUDA_PATH");
        if (!string.IsNullOrEmpty(cudaPath)) { Add(Path.Combine(cudaPath, "lib64")); Add(Path.Combine(cudaPath, "lib")); }
        try
        {
            foreach (var d in Directory.GetDirectories("/usr/local", "cuda*").OrderByDescending(VersionOf).ThenByDescending(d => d, StringComparer.Ordinal))
                Add(Path.Combine(d, "lib64"));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        foreach (var site in PythonSitePackages())
        {
            var nvidia = Path.Combine(site, "nvidia");
            if (!Directory.Exists(nvidia)) continue;
            // cuda_nvrtc, cufft, ... and CUDA 13's single cu13 folder.
            foreach (var pkg in Directory.GetDirectories(nvidia).OrderBy(d => d, StringComparer.Ordinal))
            {
                Add(Path.Combine(pkg, "lib"));
                Add(Path.Combine(pkg, "lib64"));
            }
        }
        var conda = Environment.GetEnvironmentVariable("CONDA_PREFIX");
        if (!string.IsNullOrEmpty(conda)) Add(Path.Combine(conda, "lib"));
        return dirs;
    }

    private static Version VersionOf(string dir)
    {
        var name = Path.GetFileName(dir);
        return name.Length > 5 && Version.TryParse(name[5..], out var v) ? v : new Version(0, 0);
    }

    private static IEnumerable<string> PythonSitePackages()
    {
        var roots = new List<string>();
        var home = Environment.GetEnvironmentVariable("HOME");
        var venv = Environment.GetEnvironmentVariable("VIRTUAL_ENV");
        var conda = Environment.GetEnvironmentVariable("CONDA_PREFIX");
        foreach (var prefix in new[] { venv, conda, PythonPrefixOnPath(), "/usr/local", "/usr", home is null ? null : Path.Combine(home, ".local") })
        {
            if (string.IsNullOrEmpty(prefix)) continue;
            var lib = Path.Combine(prefix, "lib");
            if (!Directory.Exists(lib)) continue;
            roots.Add(Path.Combine(lib, "python3", "dist-packages"));
            foreach (var py in SafeDirectories(lib, "python3*").OrderByDescending(d => d, StringComparer.Ordinal))
            {
                roots.Add(Path.Combine(py, "site-packages"));
                roots.Add(Path.Combine(py, "dist-packages"));
            }
        }
        return roots.Where(Directory.Exists).Distinct();
    }

    /// <summary>The installation prefix of the <c>python3</c> found on PATH (its bin folder's parent).</summary>
    private static string? PythonPrefixOnPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var exe = Path.Combine(dir, "python3");
            if (!File.Exists(exe)) continue;
            try
            {
                var target = new FileInfo(exe).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? exe;
                return Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(exe))) is { } p && Directory.Exists(Path.Combine(p, "lib"))
                    ? p
                    : Path.GetDirectoryName(Path.GetDirectoryName(target));
            }
            catch (IOException) { return null; }
        }
        return null;
    }

    private static string[] SafeDirectories(string dir, string pattern)
    {
        try { return Directory.GetDirectories(dir, pattern); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
