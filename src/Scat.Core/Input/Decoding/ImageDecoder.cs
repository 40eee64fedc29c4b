using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Scat.Input.Decoding;

/// <summary>
/// Reads image files into float planes in [0, 1]: EXIF orientation applied, first frame only, alpha
/// dropped, 16-bit images at full depth (scaled by 65535), optionally resized. Thread-safe: one decoder
/// serves all decode threads.
/// </summary>
public sealed class ImageDecoder
{
    /// <summary>Largest buffer ImageSharp may allocate for one image (guards against decompression bombs).</summary>
    public const int DefaultAllocationLimitMegabytes = 1024;

    /// <summary>Default for <see cref="MaxPixels"/> (<c>--max-pixels</c>): 100 million.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>Images with more pixels (width × height from the header) are refused before decoding.</summary>
    public long MaxPixels { get; }

    public ColorMode Color { get; }
    public ResizeSpec? Resize { get; }
    /// <summary>Whether a JPEG that the resize shrinks to half or less is decoded at a DCT scale (<c>--decode</c>).</summary>
    public DecodeMode DecodeMode { get; }
    /// <summary>A scaled decode must give at least this many times the resized size. 1, as Pillow's draft (the
    /// smallest scale that covers it): on the photo corpus at --size 32 it moves the features by 1.6 % on average
    /// (6.4 % at worst) against 0.4 % (1.6 %) with 2, but 2 costs about 1.5 times the CPU per image, which leaves
    /// scat's feeding rate far behind Pillow's (docs/benchmarks.md, ScaledDecodeTests). Settable for those
    /// measurements.</summary>
    internal int ScaledCover { get; init; } = 1;
    /// <summary>Planes per image: 3 for RGB, 1 for gray.</summary>
    public int Channels => Color == ColorMode.Rgb ? 3 : 1;
    internal Configuration Configuration { get; }

    public ImageDecoder(ColorMode color, ResizeSpec? resize, int allocationLimitMegabytes = DefaultAllocationLimitMegabytes,
        long maxPixels = DefaultMaxPixels, DecodeMode decode = DecodeMode.Scaled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        Color = color;
        Resize = resize;
        DecodeMode = decode;
        MaxPixels = maxPixels;
        // Own configuration (Configuration.Default.Clone() would share the format manager): one thread per
        // image because the pipeline decodes several images in parallel, a capped allocator, first frames only.
        var config = new Configuration(
            new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new PbmConfigurationModule(), new TgaConfigurationModule(),
            new TiffConfigurationModule(), new WebpConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = allocationLimitMegabytes,
                MaximumPoolSizeMegabytes = 64,
            }),
        };
        config.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        config.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        Configuration = config;
    }

    /// <summary>
    /// The size the image will have once decoded (orientation and resize applied), from its header only.
    /// Throws <see cref="ImageDecodeException"/> when the header cannot be read.
    /// </summary>
    public (int Height, int Width) Identify(string path) => Identify(() => Open(path));

    /// <summary><see cref="Identify(string)"/> for an image held in memory (a tar member, a Parquet cell);
    /// <paramref name="name"/> is for messages only.</summary>
    public (int Height, int Width) Identify(ReadOnlyMemory<byte> bytes, string name) => Identify(() => OpenBytes(bytes));

    private (int Height, int Width) Identify(Func<Stream> open)
    {
        try
        {
            using var stream = open();
            var (info, _, _) = ReadHeader(stream, CancellationToken.None);
            if (Resize is { } r) return (r.Height, r.Width);
            return Oriented(info);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw Wrap(e);
        }
    }

    /// <summary>
    /// Decodes, orients and resizes one file. Throws <see cref="ImageDecodeException"/> with a one-line
    /// reason when the file cannot be read as an image.
    /// </summary>
    public DecodedImage Decode(string path, CancellationToken cancellationToken = default) => Decode(() => Open(path), cancellationToken);

    /// <summary>
    /// <see cref="Decode(string, CancellationToken)"/> for an image held in memory (a tar member, a Parquet cell): the
    /// same header checks (--max-pixels), completeness checks, decoder choice (--decode) and preparation.
    /// <paramref name="name"/> is for messages only.
    /// </summary>
    public DecodedImage Decode(ReadOnlyMemory<byte> bytes, string name, CancellationToken cancellationToken = default) =>
        Decode(() => OpenBytes(bytes), cancellationToken);

    private static MemoryStream OpenBytes(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty) throw new ImageDecodeException("empty image (0 bytes)");
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
    }

    private DecodedImage Decode(Func<Stream> open, CancellationToken cancellationToken)
    {
        Image? loaded = null;
        try
        {
            using (var stream = open())
            {
                // The header first: a decompression bomb is refused before any pixel buffer exists.
                var (info, format, decoder) = ReadHeader(stream, cancellationToken);
                // ImageSharp decodes many truncated files without complaint: check the structure first.
                if (Completeness.Check(stream, format.Name) is { } incomplete) throw new ImageDecodeException(incomplete);
                stream.Position = 0;
                // The one place where the decoder is chosen: a JPEG shrunk to half or less goes to SkiaSharp's
                // codec at a DCT scale (ScaledJpeg), everything else to ImageSharp at full size.
                int denominator = ScaledDenominator(info, format);
                if (denominator > 1) return Scaled(stream, info, denominator, cancellationToken);
                loaded = decoder.Decode(Configuration, stream, cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            bool deep = loaded is Image<L16> or Image<La32> or Image<Rgb48> or Image<Rgba64>;
            if (deep)
            {
                var image = loaded as Image<Rgba64> ?? loaded.CloneAs<Rgba64>(Configuration);
                if (!ReferenceEquals(image, loaded)) { loaded.Dispose(); loaded = image; }
                return Prepare(image, 65535.0, static p => (p.R, p.G, p.B));
            }
            else
            {
                var image = loaded as Image<Rgba32> ?? loaded.CloneAs<Rgba32>(Configuration);
                if (!ReferenceEquals(image, loaded)) { loaded.Dispose(); loaded = image; }
                return Prepare(image, 255.0, static p => (p.R, p.G, p.B));
            }
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            loaded?.Dispose();
            throw Wrap(e);
        }
        catch
        {
            loaded?.Dispose();
            throw;
        }
    }

    /// <summary>The scaled path: SkiaSharp decodes at 1/<paramref name="denominator"/>; <see cref="ScaledImage"/> orients,
    /// resizes and crops or pads, with the --fit geometry of the file's full oriented size (that of the exact path).</summary>
    private DecodedImage Scaled(Stream stream, IImageInfo info, int denominator, CancellationToken cancellationToken)
    {
        var r = Resize!;
        var (rgba, h, w) = ScaledJpeg.Decode(stream, info.Width, info.Height, denominator, cancellationToken);
        var (fullH, fullW) = Oriented(info);
        var (newH, newW) = ResizedSize(fullH, fullW, r);
        var (rowShift, colShift) = Shifts(newH, newW, r);
        int orientation = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is { } o ? o : 1;
        return new ScaledImage(rgba, h, w, orientation, newH, newW, rowShift, colShift, r.Height, r.Width, Color);
    }

    /// <summary>Orients, resizes and crops or pads a full-size decode (the scaled path has its own, <see cref="ScaledImage"/>).</summary>
    private DecodedImage Prepare<TPixel>(Image<TPixel> image, double scale,
        Func<TPixel, (int R, int G, int B)> rgb)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        image.Mutate(x => x.AutoOrient());
        int h = image.Height, w = image.Width, rowShift = 0, colShift = 0;
        if (Resize is { } r)
        {
            (int newH, int newW) = ResizedSize(h, w, r);
            if (newH != h || newW != w)
            {
                image.Mutate(x => x.Resize(new ResizeOptions
                {
                    Size = new Size(newW, newH),
                    Mode = ResizeMode.Stretch,
                    Sampler = KnownResamplers.Triangle, // bilinear
                    Compand = false,
                    PremultiplyAlpha = false, // alpha is dropped: colour channels resize on their own
                }));
            }
            (rowShift, colShift) = Shifts(newH, newW, r);
            h = r.Height;
            w = r.Width;
        }
        return new DecodedImage<TPixel>(image, h, w, rowShift, colShift, scale, Color, rgb);
    }

    /// <summary>The oriented size of the full image, from the header.</summary>
    private static (int Height, int Width) Oriented(IImageInfo info) =>
        SwapsSides(info.Metadata.ExifProfile) ? (info.Width, info.Height) : (info.Height, info.Width);

    /// <summary>
    /// 2, 4 or 8 when the file is to be decoded at that DCT scale (<see cref="ScaledJpeg"/>), else 1: only JPEGs
    /// of 8-bit gray or colour (not CMYK or YCCK, whose conversion stays ImageSharp's) that the resize shrinks to
    /// half or less in both dimensions (and that a DCT scale still leaves <see cref="ScaledCover"/> times the
    /// resized size), under <see cref="DecodeMode.Scaled"/>.
    /// </summary>
    private int ScaledDenominator(IImageInfo info, IImageFormat format)
    {
        if (DecodeMode != DecodeMode.Scaled || Resize is not { } r || format is not JpegFormat) return 1;
        if (info.PixelType?.BitsPerPixel is not (8 or 24)) return 1;
        if (info.Metadata.GetJpegMetadata().ColorType is JpegColorType.Cmyk || !ScaledJpeg.Available) return 1;
        var (srcH, srcW) = Oriented(info);
        var (needH, needW) = ResizedSize(srcH, srcW, r);
        return ScaledJpeg.Denominator(srcH, srcW, needH, needW, ScaledCover);
    }

    /// <summary>Size of the image after the scaling step of <paramref name="r"/> (before crop or pad).</summary>
    internal static (int Height, int Width) ResizedSize(int h, int w, ResizeSpec r)
    {
        switch (r.Fit)
        {
            case FitMode.Stretch:
                return (r.Height, r.Width);
            case FitMode.Crop:
                // torchvision Resize(int): the binding side gets the size exactly, the other int(size · long / short).
                if ((long)r.Height * w >= (long)r.Width * h)
                    return (r.Height, Math.Max(r.Width, (int)((long)r.Height * w / (double)h)));
                return (Math.Max(r.Height, (int)((long)r.Width * h / (double)w)), r.Width);
            default:
                if ((long)r.Height * w <= (long)r.Width * h)
                    return (r.Height, Math.Clamp((int)Math.Round((long)r.Height * w / (double)h), 1, r.Width));
                return (Math.Clamp((int)Math.Round((long)r.Width * h / (double)w), 1, r.Height), r.Width);
        }
    }

    /// <summary>Output row/column y maps to source row y + rowShift (reflected into range).</summary>
    internal static (int RowShift, int ColShift) Shifts(int newH, int newW, ResizeSpec r) => r.Fit switch
    {
        // torchvision CenterCrop: int(round((size - crop) / 2.0)), round half to even.
        FitMode.Crop => ((int)Math.Round((newH - r.Height) / 2.0, MidpointRounding.ToEven),
                         (int)Math.Round((newW - r.Width) / 2.0, MidpointRounding.ToEven)),
        FitMode.Pad => (-((r.Height - newH) / 2), -((r.Width - newW) / 2)),
        _ => (0, 0),
    };

    /// <summary>
    /// Gray value of a pixel with integer channels and full scale <paramref name="scale"/> (255 or 65535):
    /// (0.299 R + 0.587 G + 0.114 B) / scale in double, then float; a pixel with R == G == B keeps R / scale exactly.
    /// </summary>
    internal static float Gray(int r, int g, int b, double scale) =>
        r == g && g == b ? (float)(r / scale) : (float)((0.299 * r + 0.587 * g + 0.114 * b) / scale);

    /// <summary>Files up to this size are read into memory at once (<see cref="PooledFile"/>).</summary>
    private const int InMemoryBytes = 16 << 20;

    /// <summary>
    /// The file as a stream from its start: a file of up to <see cref="InMemoryBytes"/> is read whole, once, into a
    /// pooled buffer, so the header, the completeness walk and the decode (which each read from the start) do not go
    /// back to the file — at --size 32 the file reads were a tenth of a decode's time; larger files are streamed.
    /// </summary>
    private static Stream Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        try
        {
            long length = stream.Length;
            if (length == 0) throw new ImageDecodeException("empty file");
            if (length > InMemoryBytes) return stream;
            using (stream) return PooledFile.Read(stream, (int)length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the header: format, size (checked against <see cref="MaxPixels"/>) and the decoder to use.</summary>
    private (IImageInfo Info, IImageFormat Format, IImageDecoder Decoder) ReadHeader(Stream stream, CancellationToken cancellationToken)
    {
        var format = Image.DetectFormat(Configuration, stream)
            ?? throw new ImageDecodeException("unknown or unsupported image format");
        stream.Position = 0;
        var decoder = Configuration.ImageFormatsManager.FindDecoder(format)
            ?? throw new ImageDecodeException($"no decoder for {format.Name}");
        if (decoder is not IImageInfoDetector detector)
            throw new ImageDecodeException($"cannot read the header of {format.Name}");
        var info = detector.Identify(Configuration, stream, cancellationToken)
            ?? throw new ImageDecodeException($"cannot read the {format.Name} header");
        if (info.Width < 1 || info.Height < 1)
            throw new ImageDecodeException($"{format.Name} header gives an empty size ({Messages.Size(info.Height, info.Width)})");
        long pixels = (long)info.Width * info.Height;
        if (pixels > MaxPixels)
            throw new ImageDecodeException(string.Create(CultureInfo.InvariantCulture,
                $"{Messages.Size(info.Height, info.Width)} is {pixels} pixels, more than --max-pixels {MaxPixels}"));
        return (info, format, decoder);
    }

    private static bool SwapsSides(ExifProfile? exif)
    {
        var value = exif?.GetValue(ExifTag.Orientation);
        return value is not null && value.Value is >= 5 and <= 8;
    }

    // Out of memory counts as a bad file: a crafted header can ask a decoder for a huge managed array, which
    // fails at once and leaves nothing allocated. Cancellation (interrupt, decode deadline) is not a bad file.
    /// <summary>
    /// Whether an exception means "this file is bad": what decoding a bad file throws (ImageSharp's format and
    /// memory-limit exceptions, I/O errors, our completeness checks), or anything else thrown from inside
    /// ImageSharp while it read the file. An exception thrown by scat's own code is a bug and is not caught.
    /// </summary>
    internal static bool IsDecodeFailure(Exception e) => e switch
    {
        OperationCanceledException => false,
        ImageDecodeException or ImageFormatException or InvalidMemoryOperationException or IOException
            or UnauthorizedAccessException or OutOfMemoryException => true,
        _ => ThrownInsideImageSharp(e),
    };

    /// <summary>
    /// The first frame of the exception's stack outside .NET's own libraries (e.g. a LINQ call that ImageSharp
    /// made on a malformed TIFF) is ImageSharp's.
    /// </summary>
    private static bool ThrownInsideImageSharp(Exception e)
    {
        foreach (var frame in new System.Diagnostics.StackTrace(e).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly;
            if (assembly is null || IsFramework(assembly)) continue;
            return assembly == typeof(Image).Assembly;
        }
        return false;
    }

    private static bool IsFramework(System.Reflection.Assembly assembly) =>
        assembly == typeof(object).Assembly
        || assembly.GetName().Name is { } name && (name.StartsWith("System.", StringComparison.Ordinal) || name == "System" || name == "netstandard");

    private static ImageDecodeException Wrap(Exception e)
    {
        if (e is ImageDecodeException d) return d;
        string reason = e switch
        {
            UnknownImageFormatException => "unknown or unsupported image format",
            FileNotFoundException or DirectoryNotFoundException => "file not found",
            OutOfMemoryException => "out of memory while decoding",
            InvalidImageContentException or ImageFormatException or NotSupportedException
                or IOException or UnauthorizedAccessException or InvalidMemoryOperationException => FirstLine(e.Message),
            _ => $"{e.GetType().Name}: {FirstLine(e.Message)}",
        };
        return new ImageDecodeException(reason, e);
    }

    private static string FirstLine(string message) => Messages.FirstLine(message, "cannot decode");
}
