using System.Diagnostics;
using System.Globalization;
using System.Text;
using Scat.Pipeline;

namespace Scat.Cli;

/// <summary>
/// A one-line progress bar on a terminal's standard error (images done, images/s, ETA), redrawn at most
/// every <see cref="MinInterval"/>. Lines written through it erase the bar first, so skipped lines and
/// notices do not mix with it.
/// </summary>
internal sealed class ProgressBar(TextWriter terminal) : TextWriter
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private const int BarWidth = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastDraw;
    private bool _visible;
    private readonly Lock _lock = new();

    public override Encoding Encoding => terminal.Encoding;

    public void Report(ExtractProgress p)
    {
        lock (_lock)
        {
            var now = _clock.Elapsed;
            if (p.Done < p.Total && _lastDraw is { } last && now - last < MinInterval) return;
            _lastDraw = now;
            terminal.Write("\r\x1b[2K" + Format(p, now));
            terminal.Flush();
            _visible = true;
        }
    }

    internal static string Format(ExtractProgress p, TimeSpan elapsed)
    {
        double fraction = p.Total == 0 ? 1 : (double)p.Done / p.Total;
        int filled = (int)Math.Round(fraction * BarWidth);
        double rate = elapsed.TotalSeconds > 0 ? p.Done / elapsed.TotalSeconds : 0;
        string eta = rate > 0 && p.Done < p.Total ? FormatTime(TimeSpan.FromSeconds((p.Total - p.Done) / rate)) : "--:--";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {p.Done}/{p.Total} images  {rate:0.0} img/s  ETA {eta}");
    }

    private static string FormatTime(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";

    /// <summary>Erases the bar (before the summary line or an error).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            if (!_visible) return;
            terminal.Write("\r\x1b[2K");
            terminal.Flush();
            _visible = false;
        }
    }

    public override void Write(char value) { Clear(); lock (_lock) terminal.Write(value); }
    public override void Write(string? value) { Clear(); lock (_lock) terminal.Write(value); }
    public override void WriteLine(string? value) { Clear(); lock (_lock) terminal.WriteLine(value); }
    public override void Flush() => terminal.Flush();
}
