using System.Globalization;
using Scat.Transform;
using ScottPlot;

namespace Scat.Pictures;

/// <summary>
/// One image and its scattering coefficients as one picture: the image, the order-0 map, order 1 as a
/// j × θ mosaic of maps, and order 2 as one θ1 × θ2 mosaic for each (j1, j2). Every order-1 and order-2 map
/// is divided by its own maximum for display (so the shape of each map is visible whatever its energy); the
/// mosaics' titles give the largest raw value of the order.
/// </summary>
public static class CoefficientPicture
{
    private const int Width = 1500, TitleHeight = 70, Margin = 12, TopRowHeight = 380;

    /// <param name="name">Shown in the title (the file name).</param>
    /// <param name="image">The transformed plane, H × W row-major.</param>
    /// <param name="layout">The transform (order 1 or 2).</param>
    /// <param name="coefficients">The plane's K maps of H' × W', in the order of <paramref name="channels"/>.</param>
    /// <param name="channels">The channels drawn: the layout's (null), or rotation-invariant ones (order 1 by (j, m),
    /// order 2 by (j1, j2) with rows δ and columns m).</param>
    /// <param name="options">The options that changed the coefficients, for the title (e.g. "renorm, log"), or null.</param>
    public static byte[] Render(string name, ReadOnlySpan<float> image, ScatteringLayout layout, ReadOnlySpan<float> coefficients,
        IReadOnlyList<ChannelMeta>? channels = null, string? options = null)
    {
        int h = layout.Height, w = layout.Width, oh = layout.OutHeight, ow = layout.OutWidth, plane = layout.OutPlaneSize;
        channels ??= layout.Channels;
        bool invariant = ChannelFields.IsRotationInvariant(channels);
        if (image.Length != h * w) throw new ArgumentException($"image of {image.Length} floats, expected {h}x{w}");
        if (coefficients.Length != channels.Count * plane) throw new ArgumentException($"{coefficients.Length} coefficients, expected {channels.Count * plane}");
        int jj = layout.J, l = layout.L;
        // Tile (row, column) of order 1 and of each order-2 mosaic: θ (or θ1, θ2), or for rotation-invariant
        // channels the frequency m (and δ for the rows of order 2).
        int cols = invariant ? CoefficientSteps.Frequencies(l) : l, rows2 = l;
        var index = new Dictionary<(int Order, int J1, int J2, int Row, int Col), int>();
        for (int k = 0; k < channels.Count; k++)
        {
            var c = channels[k];
            index[invariant ? (c.Order, c.J1, c.J2, c.Delta, c.Freq) : (c.Order, c.J1, c.J2, c.Theta1, c.Theta2)] = k;
        }
        int First(int j1, int col) => index[(1, j1, -1, invariant ? -1 : col, invariant ? col : -1)];
        int Second(int j1, int j2, int row, int col) => index[(2, j1, j2, row, col)];
        bool signed = false;
        foreach (var v in coefficients) if (v < 0) { signed = true; break; }
        var pairs = new List<(int J1, int J2)>();
        if (layout.Order == 2)
            for (int a = 0; a < jj; a++)
                for (int b = a + 1; b < jj; b++) pairs.Add((a, b));

        // Order-1 mosaic: J rows of L tiles; its panel is as tall as the mosaic's aspect needs.
        int o1Cols = cols * (ow + 1) - 1, o1Rows = jj * (oh + 1) - 1;
        float o1Width = Width - 2 * Margin;
        float o1Height = Math.Clamp((o1Width - 220) * o1Rows / o1Cols + 110, 220, 900);
        int pairCols = pairs.Count >= 2 ? 2 : 1;
        float pairWidth = pairs.Count >= 2 ? (Width - 2 * Margin) / 2f : 760;
        // As order 1: the panel is as tall as the mosaic's aspect needs (the heatmap keeps square pixels), so that its tick
        // labels and colour bar sit at the mosaic rather than at a square panel's edges.
        int o2Rows = rows2 * (oh + 1) - 1, o2Cols = cols * (ow + 1) - 1;
        float pairHeight = Math.Clamp((pairWidth - 220) * o2Rows / o2Cols + 110, 220, 900);
        int pairRows = (pairs.Count + pairCols - 1) / pairCols;
        int height = (int)(TitleHeight + TopRowHeight + o1Height + pairRows * pairHeight + Margin);

        using var canvas = new Canvas(Width, height);
        canvas.Text($"scat show: {name}", Margin, 30, 22, bold: true);
        canvas.Text(string.Create(CultureInfo.InvariantCulture,
            $"{h} x {w} pixels (gray), J = {jj}, L = {l}, order {layout.Order}{(string.IsNullOrEmpty(options) ? "" : ", " + options)}: K = {channels.Count} maps of {oh} x {ow}"), Margin, 56, 15);

        // Top row: the image, order 0, the legend.
        var img = new double[h, w];
        for (int r = 0; r < h; r++) for (int c = 0; c < w; c++) img[r, c] = image[r * w + c];
        var imagePlot = Heatmaps.Create(img, new ScottPlot.Colormaps.Grayscale(), "image (gray, 0..1)", 14, new ScottPlot.Range(0, 1));
        canvas.Draw(imagePlot, Margin, TitleHeight, 420, TopRowHeight);

        var o0 = Map(coefficients, 0, oh, ow, out _, normalise: false);
        var (min0, max0) = MinMax(o0);
        var o0Plot = Heatmaps.Create(o0, new ScottPlot.Colormaps.Grayscale(), "order 0: x ⋆ φ (raw values)", 14, Heatmaps.SafeRange(min0, max0));
        canvas.Draw(o0Plot, Margin + 430, TitleHeight, 420, TopRowHeight);

        float lx = Margin + 880, ly = TitleHeight + 40;
        string[] legend = invariant ?
        [
            "Legend (rotation-invariant)",
            "order 0: the image low-passed by φ at scale 2^J and subsampled",
            "order 1: |Σθ S1(j, θ) e^(−2πi·mθ/L)| / L, m = 0..⌊L/2⌋:",
            "    one tile per (j, m); rows j, columns m (m = 0: mean over θ)",
            "order 2: the same over θ of S2(j1, θ, j2, θ + δ):",
            "    one mosaic per (j1, j2); rows δ, columns m",
            "orders 1 and 2: each tile is scaled to its own",
            signed ? "    range (colour 0..1 = that map's minimum..maximum);" : "    maximum (colour 1 = that map's largest value);",
            "    titles give the order's largest raw value",
        ] :
        [
            "Legend",
            "order 0: the image low-passed by φ at scale 2^J and subsampled",
            "order 1: |x ⋆ ψ(j, θ)| ⋆ φ, energy at scale 2^j and angle θ:",
            "    one tile per (j, θ); rows j, columns θ",
            "order 2: ||x ⋆ ψ(j1, θ1)| ⋆ ψ(j2, θ2)| ⋆ φ, j1 < j2:",
            "    one mosaic per (j1, j2); rows θ1, columns θ2",
            "orders 1 and 2: each tile is divided by its own",
            "    maximum (colour 1 = that map's largest value);",
            "    titles give the order's largest raw value",
            string.Create(CultureInfo.InvariantCulture, $"θ index t: angle (⌊L/2⌋ − 1 − t)·π/L, π/L = {180.0 / l:0.#}°"),
        ];
        for (int i = 0; i < legend.Length; i++)
            canvas.Text(legend[i], lx, ly + i * 26, i == 0 ? 17 : 14, bold: i == 0);

        // Order 1.
        var mosaic1 = new double[o1Rows, o1Cols];
        Fill(mosaic1, double.NaN);
        double raw1 = signed ? double.NegativeInfinity : 0;
        for (int a = 0; a < jj; a++)
            for (int t = 0; t < cols; t++)
            {
                var tile = Map(coefficients, First(a, t), oh, ow, out double m, normalise: true, signed);
                raw1 = Math.Max(raw1, m);
                Place(mosaic1, tile, a * (oh + 1), t * (ow + 1));
            }
        var p1 = Heatmaps.Create(mosaic1, new ScottPlot.Colormaps.Viridis(),
            string.Create(CultureInfo.InvariantCulture, $"order 1: rows j = 0..{jj - 1}, columns {(invariant ? "m" : "θ")} = 0..{cols - 1} (largest raw value {raw1:G3})"),
            15, new ScottPlot.Range(0, 1), axes: true, colorBarLabel: signed ? "map scaled to its range" : "map / its maximum");
        TileTicks(p1.Plot, jj, cols, oh, ow, "j", invariant ? "m" : "θ");
        canvas.Draw(p1, Margin, TitleHeight + TopRowHeight, o1Width, o1Height);

        // Order 2.
        for (int i = 0; i < pairs.Count; i++)
        {
            var (a, b) = pairs[i];
            var mosaic = new double[o2Rows, o2Cols];
            Fill(mosaic, double.NaN);
            double raw = signed ? double.NegativeInfinity : 0;
            for (int t1 = 0; t1 < rows2; t1++)
                for (int t2 = 0; t2 < cols; t2++)
                {
                    var tile = Map(coefficients, Second(a, b, t1, t2), oh, ow, out double m, normalise: true, signed);
                    raw = Math.Max(raw, m);
                    Place(mosaic, tile, t1 * (oh + 1), t2 * (ow + 1));
                }
            var p2 = Heatmaps.Create(mosaic, new ScottPlot.Colormaps.Viridis(),
                string.Create(CultureInfo.InvariantCulture, $"order 2, (j1, j2) = ({a}, {b}): rows {(invariant ? "δ" : "θ1")}, columns {(invariant ? "m" : "θ2")} (largest {raw:G3})"),
                14, new ScottPlot.Range(0, 1), axes: true, colorBarLabel: signed ? "map scaled to its range" : "map / its maximum");
            TileTicks(p2.Plot, rows2, cols, oh, ow, invariant ? "δ" : "θ1", invariant ? "m" : "θ2");
            float left = pairs.Count >= 2 ? Margin + (i % 2) * pairWidth : (Width - pairWidth) / 2f;
            canvas.Draw(p2, left, TitleHeight + TopRowHeight + o1Height + (i / pairCols) * pairHeight, pairWidth, pairHeight);
        }
        return canvas.EncodePng();
    }

    /// <summary>Labels the tiles' centres: rows on the left axis, columns on the bottom axis.</summary>
    private static void TileTicks(Plot plot, int tileRows, int tileCols, int oh, int ow, string rowName, string colName)
    {
        int totalRows = tileRows * (oh + 1) - 1;
        var xs = new double[tileCols];
        var xl = new string[tileCols];
        for (int c = 0; c < tileCols; c++) { xs[c] = c * (ow + 1) + ow / 2.0; xl[c] = $"{colName}={c}"; }
        var ys = new double[tileRows];
        var yl = new string[tileRows];
        for (int r = 0; r < tileRows; r++) { ys[r] = totalRows - (r * (oh + 1) + oh / 2.0); yl[r] = $"{rowName}={r}"; }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, xl);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ys, yl);
    }

    /// <summary>
    /// Map k as doubles; normalised: divided by its maximum, or with <paramref name="signed"/> (values below 0, as
    /// after --log) scaled from its minimum..maximum to 0..1. <paramref name="max"/>: the largest raw value.
    /// </summary>
    private static double[,] Map(ReadOnlySpan<float> coefficients, int k, int oh, int ow, out double max, bool normalise, bool signed = false)
    {
        var map = new double[oh, ow];
        var src = coefficients.Slice(k * oh * ow, oh * ow);
        max = signed ? double.NegativeInfinity : 0;
        double min = double.PositiveInfinity;
        for (int i = 0; i < src.Length; i++) { max = Math.Max(max, src[i]); min = Math.Min(min, src[i]); }
        double offset = normalise && signed ? min : 0;
        double span = max - offset;
        double scale = normalise && span > 0 ? 1 / span : 1;
        for (int r = 0; r < oh; r++) for (int c = 0; c < ow; c++) map[r, c] = (src[r * ow + c] - offset) * scale;
        return map;
    }

    private static (double Min, double Max) MinMax(double[,] data)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in data) { min = Math.Min(min, v); max = Math.Max(max, v); }
        return (min, max);
    }

    private static void Fill(double[,] data, double value)
    {
        for (int r = 0; r < data.GetLength(0); r++) for (int c = 0; c < data.GetLength(1); c++) data[r, c] = value;
    }

    private static void Place(double[,] mosaic, double[,] tile, int row, int col)
    {
        for (int r = 0; r < tile.GetLength(0); r++) for (int c = 0; c < tile.GetLength(1); c++) mosaic[row + r, col + c] = tile[r, c];
    }
}
