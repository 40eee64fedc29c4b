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

    /// <summary>
    /// Gray value of a pixel with integer channels and full scale <paramref name="scale"/> (255 or 65535):
    /// (0.299 R + 0.587 G + 0.114 B) / scale in double, then float; a pixel with R == G == B keeps R / scale exactly.
    /// </summary>
    internal static float Gray(int r, int g, int b, double scale) =>
        r == g && g == b ? (float)(r / scale) : (float)((0.299 * r + 0.587 * g + 0.114 * b) / scale);
}

/// <summary>A full-size decode by ImageSharp, oriented and resized (<see cref="FitGeometry.ResizedHeight"/> ×
/// <see cref="FitGeometry.ResizedWidth"/>): <see cref="CopyPlanes"/> crops or pads it as the geometry says.</summary>
internal sealed class DecodedImage<TPixel, TChannels>(Image<TPixel> image, FitGeometry fit, ColorMode color)
    : DecodedImage(fit.Height, fit.Width, color == ColorMode.Rgb ? 3 : 1)
    where TPixel : unmanaged, IPixel<TPixel>
    where TChannels : struct, IPixelChannels<TPixel>
{
    public override void CopyPlanes(Span<float> destination)
    {
        int plane = Height * Width;
        if (destination.Length < Channels * plane) throw new ArgumentException("destination too small", nameof(destination));
        double scale = TChannels.Scale;
        Span<int> cols = Width <= 4096 ? stackalloc int[Width] : new int[Width];
        for (int x = 0; x < Width; x++) cols[x] = fit.ResizedColumn(x);
        for (int y = 0; y < Height; y++)
        {
            var row = image.DangerousGetPixelRowMemory(fit.ResizedRow(y)).Span;
            int o = y * Width;
            if (color == ColorMode.Rgb)
            {
                var rPlane = destination.Slice(o, Width);
                var gPlane = destination.Slice(plane + o, Width);
                var bPlane = destination.Slice(2 * plane + o, Width);
                for (int x = 0; x < Width; x++)
                {
                    ref readonly var p = ref row[cols[x]];
                    rPlane[x] = (float)(TChannels.R(p) / scale);
                    gPlane[x] = (float)(TChannels.G(p) / scale);
                    bPlane[x] = (float)(TChannels.B(p) / scale);
                }
            }
            else
            {
                var gray = destination.Slice(o, Width);
                for (int x = 0; x < Width; x++)
                {
                    ref readonly var p = ref row[cols[x]];
                    gray[x] = Gray(TChannels.R(p), TChannels.G(p), TChannels.B(p), scale);
                }
            }
        }
    }

    public override void Dispose() => image.Dispose();
}
