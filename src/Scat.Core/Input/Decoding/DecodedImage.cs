using Scat.Transform;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Input.Decoding;

/// <summary>A decoded, oriented and resized image, ready to be copied into planes.</summary>
public abstract class DecodedImage : IDisposable
{
    /// <summary>Final height (after crop or pad).</summary>
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }

    private protected DecodedImage(int height, int width, int channels)
    {
        Height = height; Width = width; Channels = channels;
    }

    /// <summary>Writes Channels planes of Height × Width floats in [0, 1] (R, G, B or gray), back to back.</summary>
    public abstract void CopyPlanes(Span<float> destination);

    public abstract void Dispose();
}

internal sealed class DecodedImage<TPixel>(
    Image<TPixel> image, int height, int width, int rowShift, int colShift, double scale, ColorMode color,
    Func<TPixel, (int R, int G, int B)> rgb)
    : DecodedImage(height, width, color == ColorMode.Rgb ? 3 : 1)
    where TPixel : unmanaged, IPixel<TPixel>
{
    public override void CopyPlanes(Span<float> destination)
    {
        int plane = Height * Width;
        if (destination.Length < Channels * plane) throw new ArgumentException("destination too small", nameof(destination));
        int srcH = image.Height, srcW = image.Width;
        Span<int> cols = Width <= 4096 ? stackalloc int[Width] : new int[Width];
        for (int x = 0; x < Width; x++) cols[x] = PadIndex.Reflect(x + colShift, srcW);
        for (int y = 0; y < Height; y++)
        {
            var row = image.DangerousGetPixelRowMemory(PadIndex.Reflect(y + rowShift, srcH)).Span;
            int o = y * Width;
            if (color == ColorMode.Rgb)
            {
                var rPlane = destination.Slice(o, Width);
                var gPlane = destination.Slice(plane + o, Width);
                var bPlane = destination.Slice(2 * plane + o, Width);
                for (int x = 0; x < Width; x++)
                {
                    var (r, g, b) = rgb(row[cols[x]]);
                    rPlane[x] = (float)(r / scale);
                    gPlane[x] = (float)(g / scale);
                    bPlane[x] = (float)(b / scale);
                }
            }
            else
            {
                var gray = destination.Slice(o, Width);
                for (int x = 0; x < Width; x++)
                {
                    var (r, g, b) = rgb(row[cols[x]]);
                    gray[x] = ImageDecoder.Gray(r, g, b, scale);
                }
            }
        }
    }

    public override void Dispose() => image.Dispose();
}
