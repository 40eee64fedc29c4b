using System.Buffers.Binary;
using System.Text;
using Scat.Cli;
using Scat.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Tests.Hardening;

/// <summary>Odd and bad image files for the hardening tests, and an in-process scat run.</summary>
public static class BadFiles
{
    /// <summary>A PNG of pseudo-random pixels (so that its compressed data is long enough to truncate).</summary>
    public static string NoisePng(string path, int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        return Fixtures.Png(path, width, height, (_, _) => new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), 255));
    }

    public static string Jpeg(string path, int width, int height, ushort? orientation = null, bool subsampled = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgba32((byte)(x * 9), (byte)(y * 9), 90, 255);
        if (orientation is { } o)
        {
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, o);
        }
        image.SaveAsJpeg(path, new JpegEncoder { Quality = 90, ColorType = subsampled ? JpegColorType.YCbCrRatio420 : JpegColorType.YCbCrRatio444 });
        return path;
    }

    public static string PalettePng(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = (x + y) % 3 == 0 ? new Rgba32(255, 0, 0, 255) : new Rgba32(0, 0, 255, 255);
        image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 });
        return path;
    }

    public static string AlphaPng(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgba32(200, 100, 50, (byte)(x * 16));
        image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        return path;
    }

    public static string DeepPng(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb48>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb48((ushort)(x * 4000), (ushort)(y * 4000), 40000);
        image.SaveAsPng(path, new PngEncoder { BitDepth = PngBitDepth.Bit16 });
        return path;
    }

    /// <summary>A two-frame GIF: the first frame all red, the second all blue.</summary>
    public static string AnimatedGif(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgba32>(width, height, new Rgba32(255, 0, 0, 255));
        using var second = new Image<Rgba32>(width, height, new Rgba32(0, 0, 255, 255));
        image.Frames.AddFrame(second.Frames.RootFrame);
        image.SaveAsGif(path, new GifEncoder());
        return path;
    }

    /// <summary>A CMYK (Adobe) JPEG of 24x16: left half C = 200/255 (cyan), right half K = 255 (black); made with Pillow.</summary>
    public static string CmykJpeg(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(TestData.Path("hardening", "cmyk.jpg"), path);
        return path;
    }

    public static string Empty(string path) => Write(path, []);

    public static string Text(string path) => Write(path, Encoding.ASCII.GetBytes("this is not an image\n"));

    /// <summary>The first <paramref name="fraction"/> of a valid file.</summary>
    public static string Truncated(string path, string valid, double fraction)
    {
        var bytes = File.ReadAllBytes(valid);
        return Write(path, bytes[..(int)(bytes.Length * fraction)]);
    }

    /// <summary>A format scat does not read (a PDF header) under an image extension.</summary>
    public static string Unsupported(string path) => Write(path, Encoding.ASCII.GetBytes("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<<>>\nendobj\n"));

    /// <summary>
    /// A decompression bomb: a valid PNG header announcing <paramref name="width"/> × <paramref name="height"/>
    /// pixels of RGBA, with one small IDAT chunk (a few bytes of deflate) and IEND.
    /// </summary>
    public static string BombPng(string path, int width, int height)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
        Chunk(png, "IHDR", ihdr);
        // zlib stream of a few zero bytes (a real bomb would hold gigabytes of zeros in kilobytes).
        Chunk(png, "IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        Chunk(png, "IEND", []);
        return Write(path, png.ToArray());
    }

    public static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        png.Write(four);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typed));
        png.Write(four);
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    public static string Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Files whose name starts with '.' (the writers' temporaries) in <paramref name="folder"/>.</summary>
    public static string[] Temporaries(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder).Where(f => Path.GetFileName(f).StartsWith('.')).ToArray() : [];
}
