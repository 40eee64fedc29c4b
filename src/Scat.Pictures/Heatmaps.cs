using ScottPlot;
using ScottPlot.Plottables;
using Range = ScottPlot.Range;

namespace Scat.Pictures;

/// <summary>A plot with the title that <see cref="Canvas"/> writes above it.</summary>
internal sealed record Panel(Plot Plot, string Title, float TitleSize);

/// <summary>ScottPlot heatmap plots as the pictures use them: row 0 at the top, square cells, no grid.</summary>
internal static class Heatmaps
{
    /// <summary>
    /// A plot of one heatmap whose cell (r, c) covers x ∈ [c, c + 1], y ∈ [rows − r − 1, rows − r] (row 0 on top).
    /// NaN cells are drawn white (used as gaps between tiles).
    /// </summary>
    public static Panel Create(double[,] data, IColormap colormap, string title, float titleSize,
        Range? range = null, bool colorBar = true, bool axes = false, string? colorBarLabel = null)
    {
        var plot = new Plot();
        int rows = data.GetLength(0), cols = data.GetLength(1);
        var map = plot.Add.Heatmap(data);
        map.Colormap = colormap;
        map.Extent = new CoordinateRect(0, cols, 0, rows);
        map.NaNCellColor = Colors.White;
        if (range is { } r) map.ManualRange = r;
        if (colorBar)
        {
            var bar = plot.Add.ColorBar(map);
            if (colorBarLabel is not null) bar.Label = colorBarLabel;
        }
        if (axes)
        {
            plot.HideGrid();
            plot.Axes.Frame(false);
            foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
            {
                axis.MajorTickStyle.Length = 0;
                axis.MinorTickStyle.Length = 0;
            }
        }
        else
        {
            plot.HideAxesAndGrid();
        }
        plot.Axes.SetLimits(0, cols, 0, rows);
        plot.Axes.SquareUnits();
        return new Panel(plot, title, titleSize);
    }

    /// <summary>Largest absolute value (0 for an empty or all-NaN array).</summary>
    public static double MaxAbs(double[,] data)
    {
        double m = 0;
        foreach (var v in data) if (!double.IsNaN(v)) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>A range that is never empty (ScottPlot needs min &lt; max).</summary>
    public static Range SafeRange(double min, double max)
    {
        if (!(max > min)) { double c = double.IsFinite(min) ? min : 0; return new Range(c - 0.5, c + 0.5); }
        return new Range(min, max);
    }
}
