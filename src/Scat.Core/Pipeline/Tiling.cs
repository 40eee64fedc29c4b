namespace Scat.Pipeline;

/// <summary>
/// <c>--tile N|HxW</c> and <c>--tile-stride N|HxW</c> (issue 21): each image (after --size/--fit) is cut into every tile
/// of (<see cref="Height"/>, <see cref="Width"/>) that lies wholly inside it, their top-left corners <see cref="StrideY"/>
/// rows and <see cref="StrideX"/> columns apart, row-major (y, then x); partial tiles at the right and bottom edges are
/// dropped. Each tile is transformed as an image of its own.
/// </summary>
public sealed record Tiling(int Height, int Width, int StrideY, int StrideX)
{
    /// <summary>Parses "N" (N × N) or "HxW" (height first, as --size): positive integers, or null when it is not that.</summary>
    public static (int Height, int Width)? ParseSize(string text) =>
        Scat.Input.Decoding.ResizeSpec.TryParse(text, Scat.Input.Decoding.FitMode.Crop, out var spec) && spec is not null
            ? (spec.Height, spec.Width) : null;

    /// <summary>Tiles of an image of (height, width): ((h − tile) div stride + 1) per side, or none when it is smaller.</summary>
    public int Count(int height, int width) =>
        height < Height || width < Width ? 0 : ((height - Height) / StrideY + 1) * ((width - Width) / StrideX + 1);

    /// <summary>The top-left corners (y, x) of the tiles of an image of (height, width), row-major.</summary>
    public IEnumerable<(int Y, int X)> Origins(int height, int width)
    {
        if (Count(height, width) == 0) yield break;
        for (int y = 0; y + Height <= height; y += StrideY)
            for (int x = 0; x + Width <= width; x += StrideX)
                yield return (y, x);
    }

    /// <summary>Copies the tile at (y, x) of each of <paramref name="channels"/> planes of (height, width) into <paramref name="target"/>.</summary>
    public void Cut(ReadOnlySpan<float> planes, int channels, int height, int width, int y, int x, Span<float> target)
    {
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < Height; r++)
                planes.Slice(c * height * width + (y + r) * width + x, Width).CopyTo(target.Slice((c * Height + r) * Width, Width));
    }

    public override string ToString() => $"{Messages.Size(Height, Width)}, stride {Messages.Size(StrideY, StrideX)}";
}
