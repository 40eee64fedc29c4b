using System.Buffers;

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
    private readonly int _storedH, _storedW, _orientation;
    private readonly FitGeometry _fit;
    private readonly ColorMode _color;

    /// <param name="rgba">Pooled RGBA pixels, <paramref name="storedH"/> rows of <paramref name="storedW"/>; owned from here on.</param>
    /// <param name="orientation">EXIF orientation 1–8 (anything else: 1).</param>
    /// <param name="fit">The geometry of the file's full oriented size (that of the exact path).</param>
    public ScaledImage(byte[] rgba, int storedH, int storedW, int orientation, FitGeometry fit, ColorMode color)
        : base(fit.Height, fit.Width, color == ColorMode.Rgb ? 3 : 1)
    {
        _rgba = rgba;
        _storedH = storedH; _storedW = storedW;
        _orientation = orientation is >= 1 and <= 8 ? orientation : 1;
        _fit = fit;
        _color = color;
    }

    public override void CopyPlanes(Span<float> destination)
    {
        var rgba = _rgba ?? throw new ObjectDisposedException(nameof(ScaledImage));
        int plane = Height * Width;
        if (destination.Length < Channels * plane) throw new ArgumentException("destination too small", nameof(destination));
        bool swap = _orientation >= 5;
        int srcH = swap ? _storedW : _storedH, srcW = swap ? _storedH : _storedW; // oriented source size

        // Output column x reads resized column ResizedColumn(x), which is a weighted sum of source columns.
        var cols = Filter.For(srcW, _fit.ResizedWidth, Width, _fit.ResizedColumn);
        var rows = Filter.For(srcH, _fit.ResizedHeight, Height, _fit.ResizedRow);

        // Horizontal pass over the source rows the vertical pass needs: RGB floats, srcH rows of Width.
        var across = ArrayPool<float>.Shared.Rent(srcH * Width * 3);
        try
        {
            // The one switch on the orientation: each is its own struct operator, so the tap loop has no branch on it.
            switch (_orientation)
            {
                case 2: Across<FlipX>(rgba, cols, rows, across); break;
                case 3: Across<Rotate180>(rgba, cols, rows, across); break;
                case 4: Across<FlipY>(rgba, cols, rows, across); break;
                case 5: Across<Transpose>(rgba, cols, rows, across); break;
                case 6: Across<Rotate90>(rgba, cols, rows, across); break;
                case 7: Across<Transverse>(rgba, cols, rows, across); break;
                case 8: Across<Rotate270>(rgba, cols, rows, across); break;
                default: Across<Upright>(rgba, cols, rows, across); break;
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

    /// <summary>The horizontal pass: the source rows <paramref name="rows"/> needs, filtered along x into
    /// <paramref name="across"/> (RGB floats, Width per row), reading the stored pixels through <typeparamref name="TOrientation"/>.</summary>
    private void Across<TOrientation>(byte[] rgba, Filter cols, Filter rows, float[] across)
        where TOrientation : struct, IOrientation
    {
        int h = _storedH, w = _storedW, stride = _storedW * 4;
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
                    int p = TOrientation.Offset(sy, start + k, h, w, stride);
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
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _rgba, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>An EXIF orientation as a struct operator: the byte offset, in the stored (unrotated) pixels of
    /// <paramref name="h"/> rows of <paramref name="w"/>, of oriented pixel (<paramref name="y"/>, <paramref name="x"/>).</summary>
    private interface IOrientation
    {
        static abstract int Offset(int y, int x, int h, int w, int stride);
    }

    private readonly struct Upright : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => y * stride + x * 4; }
    private readonly struct FlipX : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => y * stride + (w - 1 - x) * 4; }
    private readonly struct Rotate180 : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => (h - 1 - y) * stride + (w - 1 - x) * 4; }
    private readonly struct FlipY : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => (h - 1 - y) * stride + x * 4; }
    private readonly struct Transpose : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => x * stride + y * 4; }
    private readonly struct Rotate90 : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => (h - 1 - x) * stride + y * 4; }
    private readonly struct Transverse : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => (h - 1 - x) * stride + (w - 1 - y) * 4; }
    private readonly struct Rotate270 : IOrientation { public static int Offset(int y, int x, int h, int w, int stride) => x * stride + (w - 1 - y) * 4; }

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

        /// <param name="at">The resized position that output position i reads (<see cref="FitGeometry"/>: crop or pad).</param>
        public static Filter For(int source, int resized, int output, Func<int, int> at)
        {
            double ratio = (double)source / resized;
            double support = Math.Max(1.0, ratio);
            int maxTaps = (int)Math.Ceiling(2 * support) + 2;
            var f = new Filter { Start = new int[output], Offset = new int[output], Count = new int[output], Weights = new float[output * maxTaps] };
            f.First = int.MaxValue; f.Last = -1;
            Span<double> taps = stackalloc double[maxTaps];
            for (int i = 0; i < output; i++)
            {
                double centre = (at(i) + 0.5) * ratio - 0.5;
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
