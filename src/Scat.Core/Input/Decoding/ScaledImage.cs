using System.Buffers;

using Scat.Transform;

namespace Scat.Input.Decoding;

/// <summary>
/// A JPEG decoded at a DCT scale (<see cref="ScaledJpeg"/>), still as the codec gave it (RGBA bytes in a pooled
/// buffer, stored orientation): <see cref="CopyPlanes"/> applies the EXIF orientation, resizes with a bilinear
/// (triangle) filter widened by the shrink ratio, crops or pads, and writes the float planes, in one pass per axis,
/// without an intermediate image. Replaces ImageSharp's AutoOrient and Resize of the small image on the scaled path,
/// which were about 13 % of its time at <c>--size 32</c> (docs/benchmarks.md); the exact path keeps ImageSharp's.
/// </summary>
internal sealed class ScaledImage : DecodedImage
{
    private byte[]? _rgba;
    private readonly int _storedH, _storedW, _orientation, _newH, _newW, _rowShift, _colShift;
    private readonly ColorMode _color;

    /// <param name="rgba">Pooled RGBA pixels, <paramref name="storedH"/> rows of <paramref name="storedW"/>; owned from here on.</param>
    /// <param name="orientation">EXIF orientation 1–8 (anything else: 1).</param>
    /// <param name="newH">Size of the resized (oriented) image before the crop or pad; the shifts as <see cref="ImageDecoder.Shifts"/>.</param>
    public ScaledImage(byte[] rgba, int storedH, int storedW, int orientation, int newH, int newW, int rowShift, int colShift,
        int height, int width, ColorMode color)
        : base(height, width, color == ColorMode.Rgb ? 3 : 1)
    {
        _rgba = rgba;
        _storedH = storedH; _storedW = storedW;
        _orientation = orientation is >= 1 and <= 8 ? orientation : 1;
        _newH = newH; _newW = newW; _rowShift = rowShift; _colShift = colShift;
        _color = color;
    }

    public override void CopyPlanes(Span<float> destination)
    {
        var rgba = _rgba ?? throw new ObjectDisposedException(nameof(ScaledImage));
        int plane = Height * Width;
        if (destination.Length < Channels * plane) throw new ArgumentException("destination too small", nameof(destination));
        bool swap = _orientation >= 5;
        int srcH = swap ? _storedW : _storedH, srcW = swap ? _storedH : _storedW; // oriented source size

        // Output column x reads resized column Reflect(x + colShift), which is a weighted sum of source columns.
        var cols = Filter.For(srcW, _newW, Width, _colShift);
        var rows = Filter.For(srcH, _newH, Height, _rowShift);

        // Horizontal pass over the source rows the vertical pass needs: RGB floats, srcH rows of Width.
        var across = ArrayPool<float>.Shared.Rent(srcH * Width * 3);
        try
        {
            int stride = _storedW * 4;
            for (int sy = rows.First; sy <= rows.Last; sy++)
            {
                int o = sy * Width * 3;
                for (int x = 0; x < Width; x++)
                {
                    float r = 0, g = 0, b = 0;
                    int start = cols.Start[x];
                    var weights = cols.Weights.AsSpan(cols.Offset[x], cols.Count[x]);
                    for (int k = 0; k < weights.Length; k++)
                    {
                        int p = Stored(sy, start + k, stride);
                        float wk = weights[k];
                        r += wk * rgba[p];
                        g += wk * rgba[p + 1];
                        b += wk * rgba[p + 2];
                    }
                    across[o + 3 * x] = r;
                    across[o + 3 * x + 1] = g;
                    across[o + 3 * x + 2] = b;
                }
            }
            const float scale = 1f / 255f;
            for (int y = 0; y < Height; y++)
            {
                int start = rows.Start[y];
                var weights = rows.Weights.AsSpan(rows.Offset[y], rows.Count[y]);
                int o = y * Width;
                for (int x = 0; x < Width; x++)
                {
                    float r = 0, g = 0, b = 0;
                    for (int k = 0; k < weights.Length; k++)
                    {
                        int p = ((start + k) * Width + x) * 3;
                        float wk = weights[k];
                        r += wk * across[p];
                        g += wk * across[p + 1];
                        b += wk * across[p + 2];
                    }
                    if (_color == ColorMode.Rgb)
                    {
                        destination[o + x] = r * scale;
                        destination[plane + o + x] = g * scale;
                        destination[2 * plane + o + x] = b * scale;
                    }
                    else
                    {
                        destination[o + x] = r == g && g == b ? r * scale : (float)((0.299 * r + 0.587 * g + 0.114 * b) / 255.0);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(across);
        }
    }

    /// <summary>Byte offset in the stored (unrotated) pixels of oriented pixel (<paramref name="y"/>, <paramref name="x"/>).</summary>
    private int Stored(int y, int x, int stride)
    {
        int h = _storedH, w = _storedW;
        var (sy, sx) = _orientation switch
        {
            2 => (y, w - 1 - x),
            3 => (h - 1 - y, w - 1 - x),
            4 => (h - 1 - y, x),
            5 => (x, y),
            6 => (h - 1 - x, y),
            7 => (h - 1 - x, w - 1 - y),
            8 => (x, w - 1 - y),
            _ => (y, x),
        };
        return sy * stride + sx * 4;
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _rgba, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// The source taps of each output position along one axis: a triangle (bilinear) filter whose support is widened
    /// by the shrink ratio (so every source pixel counts when shrinking), centred as pixel centres map, taps clamped
    /// to the edge and weights normalised — the scheme of ImageSharp's and Pillow's resamplers.
    /// </summary>
    private sealed class Filter
    {
        public required int[] Start, Offset, Count;
        public required float[] Weights;
        /// <summary>First and last source index any output uses.</summary>
        public int First, Last;

        public static Filter For(int source, int resized, int output, int shift)
        {
            double ratio = (double)source / resized;
            double support = Math.Max(1.0, ratio);
            int maxTaps = (int)Math.Ceiling(2 * support) + 2;
            var f = new Filter { Start = new int[output], Offset = new int[output], Count = new int[output], Weights = new float[output * maxTaps] };
            f.First = int.MaxValue; f.Last = -1;
            Span<double> taps = stackalloc double[maxTaps];
            for (int i = 0; i < output; i++)
            {
                int at = PadIndex.Reflect(i + shift, resized);
                double centre = (at + 0.5) * ratio - 0.5;
                int left = Math.Max(0, (int)Math.Ceiling(centre - support));
                int right = Math.Min(source - 1, (int)Math.Floor(centre + support));
                if (right < left) left = right = Math.Clamp((int)Math.Round(centre), 0, source - 1);
                int n = Math.Min(right - left + 1, maxTaps);
                double sum = 0;
                for (int k = 0; k < n; k++) sum += taps[k] = Math.Max(0.0, 1.0 - Math.Abs((left + k - centre) / support));
                if (sum <= 0) { taps[0] = sum = 1; for (int k = 1; k < n; k++) taps[k] = 0; }
                f.Start[i] = left; f.Offset[i] = i * maxTaps; f.Count[i] = n;
                for (int k = 0; k < n; k++) f.Weights[i * maxTaps + k] = (float)(taps[k] / sum);
                f.First = Math.Min(f.First, left); f.Last = Math.Max(f.Last, left + n - 1);
            }
            return f;
        }
    }
}
