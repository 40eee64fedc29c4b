using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Scat.Tests.Backends.Cuda;
using Scat.Tests.Support;

namespace Scat.Tests.Backends.Cuda.Emulator;

/// <summary>
/// Builds the kernels for the host: for each kernels/*.cu a generated launcher includes the file (through
/// shim.h) and exports, per kernel, <c>emu_launch_NAME(grid, block, args)</c> with cuLaunchKernel's argument
/// convention and <c>emu_argsizes_NAME(sizes)</c>. Compiled once per process with g++ into a temp folder keyed by
/// the sources' hash (so later runs reuse it).
/// </summary>
internal static partial class EmulatorBuild
{
    public sealed record KernelInfo(string File, string Name, nint Launch, int[] ArgSizes);

    private static readonly Lazy<Dictionary<string, KernelInfo>> Built = new(Build);

    public static IReadOnlyDictionary<string, KernelInfo> Kernels => Built.Value;

    public static string ShimPath => Path.Combine(TestData.RepoRoot, "tests", "Scat.Tests", "Backends", "Cuda", "Emulator", "shim.h");

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex KernelSignature();

    [GeneratedRegex(@"^(.*?)\b(\w+)\s*$", RegexOptions.Singleline)]
    private static partial Regex ParamDecl();

    private static Dictionary<string, KernelInfo> Build()
    {
        var kernelsDir = KernelFiles.Directory;
        var shim = ShimPath;
        var files = Directory.GetFiles(kernelsDir, "*.cu").Order(StringComparer.Ordinal).ToArray();
        var hashInput = new StringBuilder(File.ReadAllText(shim));
        foreach (var f in Directory.GetFiles(kernelsDir).Order(StringComparer.Ordinal)) hashInput.Append(f).Append(File.ReadAllText(f));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(hashInput.ToString())))[..16].ToLowerInvariant();
        var outDir = Path.Combine(Path.GetTempPath(), $"scat-emu-{Environment.UserName}-{hash}");
        Directory.CreateDirectory(outDir);

        var jobs = new List<(string File, string So, List<(string Name, string[] Types)> Kernels)>();
        foreach (var file in files)
        {
            var source = File.ReadAllText(file);
            var kernels = new List<(string, string[])>();
            foreach (Match m in KernelSignature().Matches(source))
            {
                var types = m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => ParamDecl().Match(p).Groups[1].Value.Replace("__restrict__", "").Trim()).ToArray();
                kernels.Add((m.Groups[1].Value, types));
            }
            var stem = Path.GetFileNameWithoutExtension(file);
            jobs.Add((file, Path.Combine(outDir, stem + ".so"), kernels));
        }

        Parallel.ForEach(jobs, job =>
        {
            if (File.Exists(job.So)) return;
            var cpp = new StringBuilder();
            cpp.Append("#include \"").Append(job.File).Append("\"\n");
            foreach (var (name, types) in job.Kernels)
            {
                bool sync = File.ReadAllText(job.File).Contains("__syncthreads", StringComparison.Ordinal);
                cpp.Append($"extern \"C\" int emu_argsizes_{name}(int* sizes)\n{{\n");
                for (int i = 0; i < types.Length; i++) cpp.Append($"    sizes[{i}] = (int)sizeof({types[i]});\n");
                cpp.Append($"    return {types.Length};\n}}\n");
                cpp.Append($"extern \"C\" void emu_launch_{name}(const unsigned* grid, const unsigned* block, void** args)\n{{\n");
                cpp.Append($"    scat_emu::run_grid(grid, block, {(sync ? "true" : "false")}, [&] {{ {name}(");
                cpp.Append(string.Join(", ", types.Select((t, i) => $"*({t}*)args[{i}]")));
                cpp.Append("); });\n}\n");
            }
            var launcher = Path.Combine(outDir, Path.GetFileNameWithoutExtension(job.File) + ".launch.cpp");
            File.WriteAllText(launcher, cpp.ToString());
            var tmp = job.So + "." + Environment.ProcessId + ".tmp";
            var psi = new ProcessStartInfo("g++")
            {
                ArgumentList = { "-O2", "-shared", "-fPIC", "-std=c++17", "-pthread", "-Wall", "-Werror", "-include", shim, "-I", kernelsDir, "-x", "c++", launcher, "-o", tmp },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"g++ failed for {job.File}:\n{err}");
            File.Move(tmp, job.So, overwrite: true);
        });

        var result = new Dictionary<string, KernelInfo>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var lib = NativeLibrary.Load(job.So);
            foreach (var (name, _) in job.Kernels)
            {
                var sizesFn = NativeLibrary.GetExport(lib, "emu_argsizes_" + name);
                var sizes = new int[64];
                int n;
                unsafe
                {
                    fixed (int* s = sizes) n = ((delegate* unmanaged<int*, int>)sizesFn)(s);
                }
                result[Path.GetFileName(job.File) + "/" + name] =
                    new KernelInfo(Path.GetFileName(job.File), name, NativeLibrary.GetExport(lib, "emu_launch_" + name), sizes[..n]);
            }
        }
        return result;
    }
}
