using System.Globalization;

namespace Scat.Input.Decoding;

/// <summary>How image pixels become planes: three planes R, G, B, or one gray plane.</summary>
public enum ColorMode { Rgb, Gray }

/// <summary>How an image is brought to the requested size (always with bilinear resampling).</summary>
public enum FitMode
{
    /// <summary>Scale so that the image covers the size, then crop the centre (torchvision Resize + CenterCrop).</summary>
    Crop,
    /// <summary>Scale each side to the size, ignoring the aspect ratio.</summary>
    Stretch,
    /// <summary>Scale so that the image fits inside the size, then pad by mirror reflection.</summary>
    Pad,
}

/// <summary>The size every image is resized to (<c>--size N|HxW</c>, <c>--fit</c>).</summary>
public sealed record ResizeSpec(int Height, int Width, FitMode Fit)
{
    /// <summary>Parses "N" (N×N) or "HxW".</summary>
    public static bool TryParse(string? text, FitMode fit, out ResizeSpec? spec)
    {
        spec = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length is not (1 or 2)) return false;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h) || h < 1) return false;
        int w = h;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out w) || w < 1)) return false;
        spec = new ResizeSpec(h, w, fit);
        return true;
    }

    public static bool TryParseFit(string? text, out FitMode fit)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "crop": fit = FitMode.Crop; return true;
            case "stretch": fit = FitMode.Stretch; return true;
            case "pad": fit = FitMode.Pad; return true;
            default: fit = default; return false;
        }
    }

    public override string ToString() => $"{Height}x{Width} ({Fit.ToString().ToLowerInvariant()})";
}
