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
            if (colorBarLabel is not null)
            {
                bar.Label = colorBarLabel;
                // ScottPlot sizes the bar's panel with the ticks of a 600-pixel bar; a taller bar gets more ticks
                // with wider labels ("0.95"), which the title then overlaps. Six fixed ticks measure the same at
                // every height.
                bar.Axis.TickGenerator = FixedTicks(range ?? SafeRange(MaxAbs(data) * -1, MaxAbs(data)), 6);
            }
            // The bar spans the data area, and its end labels reach half a line beyond it: leave room for them.
            plot.Axes.Top.MinimumSize = EndLabelRoom;
            plot.Axes.Bottom.MinimumSize = EndLabelRoom;
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

    /// <summary>Pixels kept above and below a colour bar for half a tick label.</summary>
    internal const float EndLabelRoom = 10;

    /// <summary><paramref name="count"/> ticks evenly over the range, ends included, labelled with 3 significant digits.</summary>
    private static ScottPlot.TickGenerators.NumericManual FixedTicks(Range range, int count)
    {
        var positions = new double[count];
        var labels = new string[count];
        for (int i = 0; i < count; i++)
        {
            positions[i] = range.Min + (range.Max - range.Min) * i / (count - 1);
            labels[i] = positions[i].ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
        }
        return new ScottPlot.TickGenerators.NumericManual(positions, labels);
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
