using System.Globalization;
using System.Numerics;
using Scat.Transform;
using ScottPlot;

namespace Scat.Pictures;

/// <summary>
/// The filter bank as one picture: for each scale j a row of the L wavelets ψ(j, θ) in space (real part,
/// cropped around the centre) and a row of their Fourier moduli |ψ̂| (zero frequency at the centre), then
/// the low-pass φ in space and in Fourier. The filters are exactly those of <see cref="FilterBank"/> at an
/// N × N padded size: the Fourier filter as the transform uses it, its inverse DFT for the spatial view.
/// </summary>
public static class FilterPicture
{
    private const int PanelWidth = 230, PanelHeight = 200, LabelWidth = 120, TitleHeight = 78, Margin = 12;

    /// <summary>The reason the arguments do not make a filter picture, or null.</summary>
    public static string? Problem(int j, int l, int size)
    {
        if (j < 1) return $"J must be at least 1 (got {j})";
        if (l < 1) return $"L must be at least 1 (got {l})";
        if (l > 32) return $"L={l} makes too many panels (at most 32)";
        if (size < 8 || size > 1024) return $"--size must be between 8 and 1024 (got {size})";
        if (j > 12 || (1 << j) > size) return $"J={j} needs --size of at least 2^J = {(j > 12 ? "4096+" : (1 << j).ToString(CultureInfo.InvariantCulture))}";
        return null;
    }

    /// <summary>Angle θ of orientation index t, as the filter bank builds it: (⌊L − L/2 − 1⌋ − t) · π / L.</summary>
    public static double Angle(int t, int l) => (Math.Floor(l - l / 2.0 - 1) - t) * Math.PI / l;

    /// <summary>Renders the picture as PNG bytes.</summary>
    public static byte[] Render(int j, int l, int size)
    {
        if (Problem(j, l, size) is { } p) throw new ArgumentException(p);
        var bank = new FilterBank(size, size, j, l);
        int crop = CropSize(j, l, size);
        int cols = Math.Max(l, 2);
        int rows = 2 * j + 1;
        int width = LabelWidth + cols * PanelWidth + Margin;
        int height = TitleHeight + rows * PanelHeight + Margin;
        using var canvas = new Canvas(width, height);
        canvas.Text($"Morlet filter bank: J = {j}, L = {l}, filters at {size} x {size}", Margin, 30, 22, bold: true);
        canvas.Text($"space: real part of ψ, central {crop} x {crop} pixels (blue < 0 < red);  Fourier: |ψ̂|, zero frequency at the centre;  "
            + "θ index t has angle (⌊L/2⌋ − 1 − t)·π/L, in degrees", Margin, 56, 14);

        for (int s = 0; s < j; s++)
        {
            float top = TitleHeight + 2 * s * PanelHeight;
            canvas.VerticalText($"ψ, j = {s}: space", LabelWidth / 2f - 10, top + PanelHeight / 2f, 16, bold: true);
            canvas.VerticalText($"ψ, j = {s}: Fourier", LabelWidth / 2f - 10, top + 1.5f * PanelHeight, 16, bold: true);
            for (int t = 0; t < l; t++)
            {
                var fourier = bank.Wavelets[s * l + t].Levels[0];
                string label = $"j={s}, θ={t} ({Degrees(Angle(t, l))})";
                float left = LabelWidth + t * PanelWidth;
                DrawSpatial(canvas, fourier, size, crop, label, left, top);
                DrawFourier(canvas, fourier, size, label, left, top + PanelHeight);
            }
        }
        float lowTop = TitleHeight + 2 * j * PanelHeight;
        canvas.VerticalText("φ (low-pass)", LabelWidth / 2f - 10, lowTop + PanelHeight / 2f, 16, bold: true);
        DrawSpatial(canvas, bank.LowPass[0], size, crop, $"φ, J={j}: space", LabelWidth, lowTop);
        DrawFourier(canvas, bank.LowPass[0], size, $"φ, J={j}: |φ̂|", LabelWidth + PanelWidth, lowTop);
        return canvas.EncodePng();
    }

    public static void Save(string path, int j, int l, int size) => Canvas.WriteFileAtomically(path, Render(j, l, size));

    /// <summary>A window that holds the largest filter: about 3.5 σ of the widest axis, odd, at most N.</summary>
    internal static int CropSize(int j, int l, int size)
    {
        double sigma = 0.8 * Math.Pow(2, j - 1);
        double stretch = Math.Max(1, l / 4.0); // the slant 4/L shortens the envelope's other axis by that much
        int half = (int)Math.Ceiling(3.5 * sigma * stretch);
        return Math.Min(size, 2 * half + 1);
    }

    private static string Degrees(double radians) =>
        (radians * 180 / Math.PI).ToString("0.#", CultureInfo.InvariantCulture) + "°";

    private static void DrawSpatial(Canvas canvas, float[] fourier, int n, int crop, string title, float left, float top)
    {
        var spatial = SpatialFromFourier(fourier, n);
        var data = new double[crop, crop];
        int offset = n / 2 - crop / 2;
        for (int r = 0; r < crop; r++)
            for (int c = 0; c < crop; c++)
            {
                // fftshift: the filter's origin (0, 0) goes to (n/2, n/2)
                int sr = ((offset + r) - n / 2 + n) % n, sc = ((offset + c) - n / 2 + n) % n;
                data[r, c] = spatial[sr * n + sc].Real;
            }
        double m = Math.Max(Heatmaps.MaxAbs(data), 1e-12);
        var plot = Heatmaps.Create(data, new ScottPlot.Colormaps.Balance(), title, 12, new ScottPlot.Range(-m, m));
        canvas.Draw(plot, left, top, PanelWidth, PanelHeight);
    }

    private static void DrawFourier(Canvas canvas, float[] fourier, int n, string title, float left, float top)
    {
        var data = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                int sr = (r - n / 2 + n) % n, sc = (c - n / 2 + n) % n;
                data[r, c] = Math.Abs(fourier[sr * n + sc]);
            }
        double m = Math.Max(Heatmaps.MaxAbs(data), 1e-12);
        var plot = Heatmaps.Create(data, new ScottPlot.Colormaps.Viridis(), title, 12, new ScottPlot.Range(0, m));
        canvas.Draw(plot, left, top, PanelWidth, PanelHeight);
    }

    /// <summary>Inverse DFT of an n × n real Fourier-domain filter (the spatial filter the transform applies).</summary>
    internal static Complex[] SpatialFromFourier(float[] fourier, int n)
    {
        // ifft(x) = conj(fft(conj(x))) / N², and x is real
        var data = new Complex[n * n];
        for (int i = 0; i < data.Length; i++) data[i] = new Complex(fourier[i], 0);
        Fft64.Forward2D(data, n, n);
        double scale = 1.0 / ((double)n * n);
        for (int i = 0; i < data.Length; i++) data[i] = Complex.Conjugate(data[i]) * scale;
        return data;
    }
}
