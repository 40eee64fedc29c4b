using ScottPlot;
using SkiaSharp;

namespace Scat.Pictures;

/// <summary>
/// A white picture on which ScottPlot plots are rendered into rectangles and text is written with SkiaSharp
/// (the library ScottPlot draws with), then encoded as PNG.
/// </summary>
internal sealed class Canvas : IDisposable
{
    private readonly SKSurface _surface;
    private readonly SKTypeface _typeface;

    public int Width { get; }
    public int Height { get; }
    /// <summary>The sans-serif family used for every label (DejaVu Sans where installed).</summary>
    public string FontFamily { get; }

    public Canvas(int width, int height)
    {
        Width = width; Height = height;
        _surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"cannot create a {width}x{height} picture");
        _surface.Canvas.Clear(SKColors.White);
        var sans = SKFontManager.Default.MatchFamily("DejaVu Sans");
        _typeface = sans ?? SKTypeface.Default;
        FontFamily = sans is null ? Fonts.Default : "DejaVu Sans";
    }

    /// <summary>Renders a panel (its title, then its plot) into the rectangle (left, top, width, height) in pixels.</summary>
    public void Draw(Panel panel, float left, float top, float width, float height) =>
        Draw(panel.Plot, left, top, width, height, panel.Title, panel.TitleSize);

    /// <summary>Renders a plot into the rectangle (left, top, width, height) in pixels.</summary>
    public void Draw(Plot plot, float left, float top, float width, float height, string? title = null, float titleSize = 13)
    {
        if (title is not null)
        {
            Text(title, left + width / 2, top + titleSize + 4, titleSize, align: SKTextAlign.Center);
            top += titleSize + 10;
            height -= titleSize + 10;
        }
        // A plot clears the whole canvas it renders on: render it on its own surface, then copy that in.
        plot.Font.Set(FontFamily);
        int w = Math.Max(1, (int)width), h = Math.Max(1, (int)height);
        using var panel = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"cannot create a {w}x{h} panel");
        plot.Render(panel);
        using var image = panel.Snapshot();
        _surface.Canvas.DrawImage(image, left, top);
    }

    /// <summary>Writes one line of text with its baseline at y.</summary>
    public void Text(string text, float x, float y, float size, bool bold = false, SKTextAlign align = SKTextAlign.Left,
        SKColor? color = null)
    {
        using var typeface = bold ? SKFontManager.Default.MatchFamily(_typeface.FamilyName, SKFontStyle.Bold) : null;
        using var font = new SKFont(typeface ?? _typeface, size);
        using var paint = new SKPaint { Color = color ?? SKColors.Black, IsAntialias = true };
        _surface.Canvas.DrawText(text, x, y, align, font, paint);
    }

    /// <summary>Writes text rotated by −90° (reading upwards), centred on (x, y).</summary>
    public void VerticalText(string text, float x, float y, float size, bool bold = false)
    {
        var c = _surface.Canvas;
        c.Save();
        c.Translate(x, y);
        c.RotateDegrees(-90);
        Text(text, 0, size / 3, size, bold, SKTextAlign.Center);
        c.Restore();
    }

    public void Line(float x0, float y0, float x1, float y1, SKColor color)
    {
        using var paint = new SKPaint { Color = color, StrokeWidth = 1, IsAntialias = false };
        _surface.Canvas.DrawLine(x0, y0, x1, y1, paint);
    }

    public byte[] EncodePng()
    {
        using var image = _surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the PNG through a temporary file beside the destination, renamed into place.</summary>
    public void SavePng(string path) => WriteFileAtomically(path, EncodePng());

    internal static void WriteFileAtomically(string path, byte[] bytes) => PictureFiles.Write(path, bytes);

    public void Dispose()
    {
        _surface.Dispose();
        _typeface.Dispose();
    }
}

/// <summary>Writing a picture: through a temporary file beside the destination, renamed into place when complete.</summary>
public static class PictureFiles
{
    public static void Write(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.tmp-{Path.GetRandomFileName().Replace(".", "")}");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
