using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Scat.Backends.Cuda.Driver;

/// <summary>The kernel sources embedded in Scat.Core (<c>kernels/*.cu</c>, <c>kernels/*.cuh</c>).</summary>
internal static class KernelSources
{
    private const string Prefix = "kernels/";
    private static readonly Lazy<Dictionary<string, string>> All = new(Load);

    /// <summary>The kernel files (.cu), sorted.</summary>
    public static IReadOnlyList<string> Files => All.Value.Keys.Where(k => k.EndsWith(".cu", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The headers (.cuh), by include name.</summary>
    public static IReadOnlyDictionary<string, string> Headers =>
        All.Value.Where(kv => kv.Key.EndsWith(".cuh", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);

    public static string Read(string file) =>
        All.Value.TryGetValue(file, out var s) ? s : throw new FileNotFoundException($"no embedded kernel source {file}");

    /// <summary>SHA-256 of a file with every header, so that a change to either gives a new cache key.</summary>
    public static string Hash(string file)
    {
        var sb = new StringBuilder(Read(file));
        foreach (var (name, text) in Headers.OrderBy(kv => kv.Key, StringComparer.Ordinal)) sb.Append('\0').Append(name).Append('\0').Append(text);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

    private static Dictionary<string, string> Load()
    {
        var asm = typeof(KernelSources).Assembly;
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var res in asm.GetManifestResourceNames())
        {
            if (!res.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var s = asm.GetManifestResourceStream(res)!;
            using var r = new StreamReader(s, Encoding.UTF8);
            d[res[Prefix.Length..]] = r.ReadToEnd();
        }
        return d;
    }
}
