using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace Scat.Input.Decoding;

/// <summary>
/// What scat reads from an image's header before any pixel buffer exists — format, decoder, stored size, EXIF
/// orientation, bit depth — read in one call into ImageSharp (<see cref="DecodeFailure.InImageSharp{TState, T}"/>), and
/// the guard on it: an empty size, or more pixels than <c>--max-pixels</c>, is refused here (decompression bombs).
/// </summary>
internal sealed record ImageHeader(IImageFormat Format, IImageDecoder Decoder, int Width, int Height, int Orientation,
    int? BitsPerPixel, bool Cmyk)
{
    /// <summary>Orientations 5–8 turn the image a quarter: width and height change places.</summary>
    public bool SwapsSides => Orientation is >= 5 and <= 8;

    /// <summary>The size of the full image once oriented.</summary>
    public (int Height, int Width) Oriented => SwapsSides ? (Width, Height) : (Height, Width);

    /// <summary>Reads the header from the start of <paramref name="stream"/>; throws <see cref="ImageDecodeException"/>
    /// when it cannot be read or is refused.</summary>
    public static ImageHeader Read(Configuration configuration, Stream stream, long maxPixels, CancellationToken cancellationToken)
    {
        var header = DecodeFailure.InImageSharp((configuration, stream, cancellationToken), static s => Parse(s.configuration, s.stream, s.cancellationToken));
        if (header.Width < 1 || header.Height < 1)
            throw new ImageDecodeException($"{header.Format.Name} header gives an empty size ({Messages.Size(header.Height, header.Width)})");
        CheckPixels(header.Width, header.Height, maxPixels);
        return header;
    }

    /// <summary>The --max-pixels rule: <see cref="ImageDecodeException"/> when width × height is over <paramref name="maxPixels"/>.</summary>
    internal static void CheckPixels(long width, long height, long maxPixels)
    {
        long pixels = width * height;
        if (pixels > maxPixels)
            throw new ImageDecodeException(string.Create(CultureInfo.InvariantCulture,
                $"{Messages.Size(height, width)} is {pixels} pixels, more than --max-pixels {maxPixels}"));
    }

    private static ImageHeader Parse(Configuration configuration, Stream stream, CancellationToken cancellationToken)
    {
        var format = Image.DetectFormat(configuration, stream)
            ?? throw new ImageDecodeException("unknown or unsupported image format");
        stream.Position = 0;
        var decoder = configuration.ImageFormatsManager.FindDecoder(format)
            ?? throw new ImageDecodeException($"no decoder for {format.Name}");
        if (decoder is not IImageInfoDetector detector)
            throw new ImageDecodeException($"cannot read the header of {format.Name}");
        var info = detector.Identify(configuration, stream, cancellationToken)
            ?? throw new ImageDecodeException($"cannot read the {format.Name} header");
        // The EXIF profile is parsed when first asked: here, inside the call, so that a bad profile is the file's fault.
        int orientation = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is { } o ? o : 1;
        bool cmyk = format is JpegFormat && info.Metadata.GetJpegMetadata().ColorType is JpegColorType.Cmyk;
        return new ImageHeader(format, decoder, info.Width, info.Height, orientation, info.PixelType?.BitsPerPixel, cmyk);
    }
}
