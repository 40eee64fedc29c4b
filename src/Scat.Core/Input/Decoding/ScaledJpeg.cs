using System.Buffers;
using System.Globalization;
using SkiaSharp;

namespace Scat.Input.Decoding;

/// <summary>How JPEG files are decoded when <c>--size</c> shrinks them (<c>--decode</c>).</summary>
public enum DecodeMode
{
    /// <summary>
    /// A JPEG that <c>--size</c> shrinks to half or less in both dimensions is decoded by libjpeg-turbo's
    /// DCT-domain scaling (1/2, 1/4 or 1/8 — the smallest that still covers the target, as Pillow's draft —,
    /// through SkiaSharp's codec), then resampled as usual. Much faster for
    /// small sizes; the pixels differ slightly from <see cref="Exact"/>.
    /// </summary>
    Scaled,
    /// <summary>Every image is decoded at full size (ImageSharp), then resampled: the pixels of scat before 0.2.</summary>
    Exact,
}

/// <summary>
/// Scaled JPEG decoding with SkiaSharp's <see cref="SKCodec"/> (libjpeg-turbo): the file is decoded straight
/// to 1/2, 1/4 or 1/8 of its size, in the DCT domain, as Pillow's <c>Image.draft</c> does. Only called by
/// <see cref="ImageDecoder"/> after the header (size against <c>--max-pixels</c>) and the file's completeness
/// were checked; the output size is checked against what the header promised before any pixel is written.
/// </summary>
/// <remarks>
/// Measured on one thread on 2,000 photos of 400×300 to 640×480 (docs/benchmarks.md): ImageSharp 2.1 decodes
/// at full size faster than SkiaSharp 3.119 does, so full-size decoding stays with ImageSharp (and
/// <see cref="DecodeMode.Exact"/> keeps its pixels bit for bit); at 1/2, 1/4 and 1/8 SkiaSharp is faster than
/// any full-size decode.
/// </remarks>
internal static class ScaledJpeg
{
    private static readonly Lazy<bool> NativeLibrary = new(() =>
    {
        try
        {
            using var probe = SKData.CreateCopy(new byte[1]);
            return probe is not null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException
            or BadImageFormatException)
        {
            return false;
        }
    });

    /// <summary>Whether SkiaSharp's native library loads here; without it every JPEG is decoded at full size.</summary>
    public static bool Available => NativeLibrary.Value;

    /// <summary>Rows decoded between two looks at the decode deadline.</summary>
    private const int RowsPerStep = 16;

    /// <summary>
    /// The DCT scale denominator (2, 4 or 8) for a <paramref name="srcH"/> × <paramref name="srcW"/> source that
    /// is to be resampled to <paramref name="needH"/> × <paramref name="needW"/> (the size before the crop of
    /// <c>--fit crop</c>), or 1 (full size) when the target is more than half the source in either dimension.
    /// The smallest scale whose result is still at least <paramref name="cover"/> times the target wins.
    /// </summary>
    public static int Denominator(int srcH, int srcW, int needH, int needW, int cover = 1)
    {
        if (2L * needH > srcH || 2L * needW > srcW) return 1;
        foreach (int d in (ReadOnlySpan<int>)[8, 4, 2])
            if (ScaledSide(srcH, d) >= (long)cover * needH && ScaledSide(srcW, d) >= (long)cover * needW) return d;
        return 1;
    }

    /// <summary>libjpeg's size of a side at scale 1/<paramref name="d"/>: rounded up.</summary>
    public static int ScaledSide(int side, int d) => (int)(((long)side + d - 1) / d);

    /// <summary>
    /// Decodes the JPEG in <paramref name="stream"/> (from its start) at 1/<paramref name="denominator"/> of its
    /// stored <paramref name="width"/> × <paramref name="height"/> (as the header gave them, before orientation).
    /// </summary>
    public static unsafe (byte[] Rgba, int Height, int Width) Decode(Stream stream, int width, int height, int denominator,
        CancellationToken cancellationToken)
    {
        if (stream is not PooledFile file)
        {
            using var copy = SKData.Create(stream) ?? throw new ImageDecodeException("cannot read the JPEG file");
            return Decode(copy, width, height, denominator, cancellationToken);
        }
        // The file is in memory already: the codec reads it where it is (no copy), pinned while it decodes.
        fixed (byte* bytes = file.Bytes)
        {
            using var data = SKData.Create((IntPtr)bytes, (int)file.Length) ?? throw new ImageDecodeException("cannot read the JPEG file");
            return Decode(data, width, height, denominator, cancellationToken);
        }
    }

    /// <summary>Decodes into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (RGBA, rows back to back), which
    /// the caller hands back.</summary>
    private static (byte[] Rgba, int Height, int Width) Decode(SKData data, int width, int height, int denominator,
        CancellationToken cancellationToken)
    {
        using var codec = SKCodec.Create(data) ?? throw new ImageDecodeException("cannot decode the JPEG header");
        // The codec read the header on its own: it must agree with the one that was checked (--max-pixels).
        if (codec.Info.Width != width || codec.Info.Height != height)
            throw new ImageDecodeException(string.Create(CultureInfo.InvariantCulture,
                $"JPEG header is ambiguous ({Messages.Size(height, width)} or {Messages.Size(codec.Info.Height, codec.Info.Width)})"));
        var size = codec.GetScaledDimensions(1f / denominator);
        int w = ScaledSide(width, denominator), h = ScaledSide(height, denominator);
        if (size.Width != w || size.Height != h)
            throw new ImageDecodeException(string.Create(CultureInfo.InvariantCulture,
                $"JPEG cannot be decoded at 1/{denominator} ({Messages.Size(size.Height, size.Width)}, expected {Messages.Size(h, w)})"));
        cancellationToken.ThrowIfCancellationRequested();

        // No colour space on the destination: no colour management, as ImageSharp 2.1 does not apply ICC profiles.
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        int rowBytes = info.RowBytes;
        if (rowBytes != w * 4) throw new ImageDecodeException("unexpected JPEG row size");
        var pixels = ArrayPool<byte>.Shared.Rent(checked(rowBytes * h));
        try
        {
            var started = codec.StartScanlineDecode(info);
            if (started != SKCodecResult.Success)
                throw new ImageDecodeException($"cannot decode the JPEG ({Describe(started)})");
            unsafe
            {
                fixed (byte* all = pixels)
                {
                    for (int y = 0; y < h; y += RowsPerStep)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int rows = Math.Min(RowsPerStep, h - y);
                        Rows(codec, all + (long)y * rowBytes, rows, rowBytes, y, h);
                    }
                }
            }
            return (pixels, h, w);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(pixels);
            throw;
        }
    }

    private static unsafe void Rows(SKCodec codec, byte* destination, int rows, int rowBytes, int y, int h)
    {
        int got = codec.GetScanlines((IntPtr)destination, rows, rowBytes);
        if (got != rows)
            throw new ImageDecodeException(string.Create(CultureInfo.InvariantCulture,
                $"corrupt JPEG data (decoded {y + Math.Max(got, 0)} of {h} rows)"));
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "incomplete input",
        SKCodecResult.ErrorInInput => "error in the data",
        SKCodecResult.InvalidInput => "invalid data",
        SKCodecResult.Unimplemented => "unsupported kind of JPEG",
        _ => result.ToString(),
    };
}
