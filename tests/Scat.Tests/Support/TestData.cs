namespace Scat.Tests.Support;

public static class TestData
{
    /// <summary>The test data folder copied beside the test assembly.</summary>
    public static string Root => System.IO.Path.Combine(AppContext.BaseDirectory, "data");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>The repository's root (the folder of ScatCli.sln above the test binaries): samples, scripts, docs.</summary>
    public static string RepoRoot => RepoRootFolder.Value;

    private static readonly Lazy<string> RepoRootFolder = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "ScatCli.sln"))) return d.FullName;
        throw new InvalidOperationException("the repository root (ScatCli.sln) is not above the test binaries");
    });
}

/// <summary>The contract's agreement measure: per channel max |S − S_ref| / max |S_ref|.</summary>
public static class Agreement
{
    /// <summary>Worst per-channel relative error; arrays are (..., K, H', W') with <paramref name="mapSize"/> = H'·W'.</summary>
    public static double WorstRelative(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference, int channels, int mapSize, out int worstChannel)
    {
        Assert.Equal(reference.Length, actual.Length);
        // A "channel" for the measure is one scattering channel k over all images and image channels.
        int groups = reference.Length / (channels * mapSize);
        double worst = 0;
        worstChannel = -1;
        for (int k = 0; k < channels; k++)
        {
            double maxRef = 0, maxDiff = 0;
            for (int g = 0; g < groups; g++)
            {
                int o = (g * channels + k) * mapSize;
                for (int i = 0; i < mapSize; i++)
                {
                    maxRef = Math.Max(maxRef, Math.Abs(reference[o + i]));
                    maxDiff = Math.Max(maxDiff, Math.Abs(actual[o + i] - (double)reference[o + i]));
                }
            }
            double rel = maxRef > 0 ? maxDiff / maxRef : maxDiff;
            if (rel > worst) { worst = rel; worstChannel = k; }
        }
        return worst;
    }
}
