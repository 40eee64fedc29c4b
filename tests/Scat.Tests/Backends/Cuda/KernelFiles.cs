using Scat.Tests.Support;

namespace Scat.Tests.Backends.Cuda;

/// <summary>The repository's kernels/ folder.</summary>
internal static class KernelFiles
{
    public static string Directory => Path.Combine(TestData.RepoRoot, "kernels");

    public static IEnumerable<object[]> CuFiles() =>
        System.IO.Directory.GetFiles(Directory, "*.cu").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(f => new object[] { f! });
}
