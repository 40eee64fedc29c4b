namespace Scat.Tests.Cuda;

/// <summary>The repository's kernels/ folder, found by walking up from the test assembly.</summary>
internal static class KernelFiles
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var k = Path.Combine(d.FullName, "kernels");
            if (File.Exists(Path.Combine(k, "scat_common.cuh"))) return k;
        }
        throw new DirectoryNotFoundException("kernels/ not found above " + AppContext.BaseDirectory);
    });

    public static string Directory => Dir.Value;

    public static IEnumerable<object[]> CuFiles() =>
        System.IO.Directory.GetFiles(Directory, "*.cu").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(f => new object[] { f! });
}
