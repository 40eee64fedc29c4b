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
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Scat.Input.Decoding;

/// <summary>
/// Reads image files into float planes in [0, 1]: EXIF orientation applied, first frame only, alpha
/// dropped, 16-bit images at full depth (scaled by 65535), optionally resized. Thread-safe: one decoder
/// serves all decode threads. The steps each have their own type: the header and its guards (<see cref="ImageHeader"/>),
/// the <c>--fit</c> geometry (<see cref="FitGeometry"/>), what counts as a bad file (<see cref="DecodeFailure"/>); this
/// class chooses the decoder and runs them.
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
    public int Channels => ChannelsOf(Color);
    /// <summary>Planes per image of a --color: 3 for RGB, 1 for gray.</summary>
    public static int ChannelsOf(ColorMode color) => color == ColorMode.Rgb ? 3 : 1;
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
            var (h, w) = ImageHeader.Read(Configuration, stream, MaxPixels, CancellationToken.None).Oriented;
            var fit = FitGeometry.Of(h, w, Resize);
            return (fit.Height, fit.Width);
        }
        catch (Exception e) when (DecodeFailure.IsDecodeFailure(e))
        {
            throw DecodeFailure.Wrap(e);
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
                var header = ImageHeader.Read(Configuration, stream, MaxPixels, cancellationToken);
                // ImageSharp decodes many truncated files without complaint: check the structure first.
                // And whether the file can hold the pixels its header declares, before a buffer of that size exists.
                if (Completeness.Check(stream, header.Format.Name, header.Width, header.Height) is { } incomplete) throw new ImageDecodeException(incomplete);
                stream.Position = 0;
                // The one place where the decoder is chosen: a JPEG shrunk to half or less goes to SkiaSharp's
                // codec at a DCT scale (ScaledJpeg), everything else to ImageSharp at full size.
                var (fullH, fullW) = header.Oriented;
                var fit = FitGeometry.Of(fullH, fullW, Resize);
                int denominator = ScaledDenominator(header, fit);
                if (denominator > 1) return Scaled(stream, header, fit, denominator, cancellationToken);
                loaded = DecodeFailure.InImageSharp((this, header.Decoder, stream, cancellationToken),
                    static s => s.Item2.Decode(s.Item1.Configuration, s.stream, s.cancellationToken));
            }
            cancellationToken.ThrowIfCancellationRequested();
            bool deep = loaded is Image<L16> or Image<La32> or Image<Rgb48> or Image<Rgba64>;
            return deep ? Prepare<Rgba64, Rgba64Channels>(ref loaded) : Prepare<Rgba32, Rgba32Channels>(ref loaded);
        }
        catch (Exception e) when (DecodeFailure.IsDecodeFailure(e))
        {
            loaded?.Dispose();
            throw DecodeFailure.Wrap(e);
        }
        catch
        {
            loaded?.Dispose();
            throw;
        }
    }

    /// <summary>The scaled path: SkiaSharp decodes at 1/<paramref name="denominator"/>; <see cref="ScaledImage"/> orients,
    /// resizes and crops or pads, with the --fit geometry of the file's full oriented size (that of the exact path).</summary>
    private ScaledImage Scaled(Stream stream, ImageHeader header, FitGeometry fit, int denominator, CancellationToken cancellationToken)
    {
        var (rgba, h, w) = ScaledJpeg.Decode(stream, header.Width, header.Height, denominator, cancellationToken);
        return new ScaledImage(rgba, h, w, header.Orientation, fit, Color);
    }

    /// <summary>Converts, orients and resizes a full-size decode (the scaled path has its own, <see cref="ScaledImage"/>);
    /// <paramref name="loaded"/> is disposed here or owned by the result.</summary>
    private DecodedImage<TPixel, TChannels> Prepare<TPixel, TChannels>(ref Image? loaded)
        where TPixel : unmanaged, IPixel<TPixel>
        where TChannels : struct, IPixelChannels<TPixel>
    {
        var image = loaded as Image<TPixel> ?? DecodeFailure.InImageSharp((loaded!, Configuration), static s => s.Item1.CloneAs<TPixel>(s.Configuration));
        if (!ReferenceEquals(image, loaded)) { loaded!.Dispose(); loaded = image; }
        DecodeFailure.InImageSharp(image, static i => i.Mutate(x => x.AutoOrient()));
        var fit = FitGeometry.Of(image.Height, image.Width, Resize);
        if (fit.ResizedHeight != image.Height || fit.ResizedWidth != image.Width)
        {
            DecodeFailure.InImageSharp((image, fit), static s => s.image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(s.fit.ResizedWidth, s.fit.ResizedHeight),
                Mode = ResizeMode.Stretch,
                Sampler = KnownResamplers.Triangle, // bilinear
                Compand = false,
                PremultiplyAlpha = false, // alpha is dropped: colour channels resize on their own
            })));
        }
        return new DecodedImage<TPixel, TChannels>(image, fit, Color);
    }

    /// <summary>
    /// 2, 4 or 8 when the file is to be decoded at that DCT scale (<see cref="ScaledJpeg"/>), else 1: only JPEGs
    /// of 8-bit gray or colour (not CMYK or YCCK, whose conversion stays ImageSharp's) that the resize shrinks to
    /// half or less in both dimensions (and that a DCT scale still leaves <see cref="ScaledCover"/> times the
    /// resized size), under <see cref="DecodeMode.Scaled"/>.
    /// </summary>
    private int ScaledDenominator(ImageHeader header, FitGeometry fit)
    {
        if (DecodeMode != DecodeMode.Scaled || Resize is null || header.Format is not JpegFormat) return 1;
        if (header.BitsPerPixel is not (8 or 24)) return 1;
        if (header.Cmyk || !ScaledJpeg.Available) return 1;
        var (srcH, srcW) = header.Oriented;
        return ScaledJpeg.Denominator(srcH, srcW, fit.ResizedHeight, fit.ResizedWidth, ScaledCover);
    }

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

    /// <summary>The --max-pixels rule, for every input whose items declare a size (image headers, array shapes):
    /// <see cref="ImageDecodeException"/> when width × height is over <see cref="MaxPixels"/>.</summary>
    public void CheckPixels(long width, long height) => ImageHeader.CheckPixels(width, height, MaxPixels);
}
