using Scat.Pictures;
using ScottPlot;
using ScottPlot.Panels;

namespace Scat.Tests.Pictures;

/// <summary>
/// The colour bars as ScottPlot lays them out in a rendered panel: every tick label lies inside the panel (none
/// clipped at the ends), and the room the layout gave the bar holds the bar, its tick labels as drawn and its
/// title (else the title overlaps the tick labels).
/// </summary>
public class ColorBarLayoutTests
{
    [Theory]
    [InlineData(230, 200, null)]                  // a filter panel: bar without a title, range ±m
    [InlineData(730, 700, "map / its maximum")]   // an order-2 mosaic of `show`: a bar taller than 600 px, with a title
    [InlineData(1440, 300, "map / its maximum")]  // the order-1 mosaic: a short, wide panel
    public void ColourBarLabelsLieInsideThePanelAndClearOfTheTitle(int width, int height, string? title)
    {
        var data = new double[35, 35];
        for (int r = 0; r < 35; r++) for (int c = 0; c < 35; c++) data[r, c] = Math.Sin(r * 0.3) * Math.Cos(c * 0.2) * 0.1;
        var range = title is null ? new ScottPlot.Range(-0.1, 0.1) : new ScottPlot.Range(0, 1);
        var panel = Heatmaps.Create(data, new ScottPlot.Colormaps.Viridis(), "a panel", 13, range, axes: title is not null, colorBarLabel: title);
        using (var canvas = new Canvas(width, height)) canvas.Draw(panel, 0, 0, width, height);

        var plot = panel.Plot;
        var last = plot.RenderManager.LastRender;
        var bar = plot.Axes.GetPanels().OfType<ColorBar>().Single();
        using var paint = Paint.NewDisposablePaint();
        var labelled = bar.Axis.TickGenerator.Ticks.Where(t => !string.IsNullOrEmpty(t.Label)).ToArray();
        Assert.True(labelled.Length >= 3, $"only {labelled.Length} labelled ticks");
        foreach (var tick in labelled)
        {
            float y = bar.Axis.GetPixel(tick.Position, last.DataRect);
            float half = bar.Axis.TickLabelStyle.Measure(tick.Label, paint).Height / 2;
            Assert.True(y - half >= last.FigureRect.Top && y + half <= last.FigureRect.Bottom,
                $"tick label '{tick.Label}' spans y = {y - half:0.#}..{y + half:0.#}, outside the panel {last.FigureRect.Top:0.#}..{last.FigureRect.Bottom:0.#}");
        }
        // Axis.Measure uses the ticks generated for the bar as drawn (its real height).
        float needed = bar.Width + bar.Axis.Measure(paint);
        float given = last.Layout.PanelSizes[bar];
        Assert.True(given >= needed - 0.5f, $"the bar's panel is {given:0.#} px wide but its ticks and title need {needed:0.#} px");
        Assert.True(bar.Axis.Label.Text == (title ?? ""), "the bar's title");
    }
}
