using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Scat.Tests.Support;

/// <summary>A temporary folder deleted at the end of the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("scat-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Test images made with ImageSharp.</summary>
public static class Fixtures
{
    /// <summary>A PNG whose pixel (x, y) is <paramref name="pixel"/>(x, y).</summary>
    public static string Png(string path, int width, int height, Func<int, int, Rgba32>? pixel = null)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        pixel ??= (x, y) => new Rgba32((byte)(x * 7 + y), (byte)(y * 5 + 3 * x), (byte)(x * y), 255);
        using var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = pixel(x, y);
        image.SaveAsPng(path);
        return path;
    }

    public static string Corrupt(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6, 7, 8]);
        return path;
    }

    /// <summary>A folder with classes a/ (2 images, one in a subfolder), b/ (1 image) and two loose images.</summary>
    public static void ClassFolder(string root, int size = 16)
    {
        Png(System.IO.Path.Combine(root, "b", "img_0.png"), size, size);
        Png(System.IO.Path.Combine(root, "a", "img_1.png"), size, size);
        Png(System.IO.Path.Combine(root, "a", "deep", "img_0.PNG"), size, size);
        Png(System.IO.Path.Combine(root, "loose.png"), size, size);
        Png(System.IO.Path.Combine(root, "Loose2.png"), size, size);
        File.WriteAllText(System.IO.Path.Combine(root, "a", "notes.txt"), "not an image");
    }
}

/// <summary>Tests that measure the whole process (its allocations) and so run with no other test beside them.</summary>
[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;
