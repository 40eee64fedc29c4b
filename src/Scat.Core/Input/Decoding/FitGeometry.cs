using Scat.Transform;

namespace Scat.Input.Decoding;

/// <summary>
/// Where one image's pixels go under <c>--size</c> and <c>--fit</c>: the oriented source is resized to
/// <see cref="ResizedHeight"/> × <see cref="ResizedWidth"/>, then cropped or padded (by mirror reflection) to
/// <see cref="Height"/> × <see cref="Width"/>; output row y reads resized row <see cref="ResizedRow"/>(y). The one
/// place of this geometry: both decode paths (ImageSharp's resize, <see cref="ScaledImage"/>'s own) and the
/// decoder choice use it.
/// </summary>
internal readonly record struct FitGeometry(int ResizedHeight, int ResizedWidth, int RowShift, int ColShift, int Height, int Width)
{
    /// <summary>The geometry of an oriented source of <paramref name="height"/> × <paramref name="width"/>; without a
    /// resize, the image as it is.</summary>
    public static FitGeometry Of(int height, int width, ResizeSpec? resize)
    {
        if (resize is not { } r) return new FitGeometry(height, width, 0, 0, height, width);
        var (newH, newW) = ResizedSize(height, width, r);
        var (rowShift, colShift) = r.Fit switch
        {
            // torchvision CenterCrop: int(round((size - crop) / 2.0)), round half to even.
            FitMode.Crop => ((int)Math.Round((newH - r.Height) / 2.0, MidpointRounding.ToEven),
                             (int)Math.Round((newW - r.Width) / 2.0, MidpointRounding.ToEven)),
            FitMode.Pad => (-((r.Height - newH) / 2), -((r.Width - newW) / 2)),
            _ => (0, 0),
        };
        return new FitGeometry(newH, newW, rowShift, colShift, r.Height, r.Width);
    }

    /// <summary>The resized row that output row <paramref name="y"/> reads (reflected into range: the pad).</summary>
    public int ResizedRow(int y) => PadIndex.Reflect(y + RowShift, ResizedHeight);

    /// <summary>The resized column that output column <paramref name="x"/> reads.</summary>
    public int ResizedColumn(int x) => PadIndex.Reflect(x + ColShift, ResizedWidth);

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
}
