namespace Scat;

/// <summary>Turns exception messages into the one-line form every scat error uses.</summary>
public static class Messages
{
    /// <summary>The message on one line: line breaks and tabs become single spaces.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The first line of a message; <paramref name="empty"/> when it has none.</summary>
    public static string FirstLine(string message, string empty = "")
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? empty : line;
    }

    /// <summary>A name or reason from outside as one line: a backslash, tab, newline or carriage return becomes \\, \t,
    /// \n, \r (as the --skipped list and every stderr line that names an input write them).</summary>
    public static string Escape(string s) =>
        s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    /// <summary>The one line of an input that cannot be read (missing rights, an I/O error): "cannot read PATH: reason".</summary>
    public static ScatException CannotRead(string path, Exception e) => new($"cannot read {path}: {FirstClause(e.Message)}", e);

    /// <summary>An IOException's first line without the " : 'PATH'" that .NET appends (the caller names the path).</summary>
    public static string FirstClause(string message)
    {
        var line = FirstLine(message);
        int at = line.IndexOf(" : '", StringComparison.Ordinal);
        return at > 0 ? line[..at] : line;
    }

    /// <summary>An image size as every message spells it, so that its order cannot be misread: "height 616, width 494".</summary>
    public static string Size(long height, long width) => $"height {height}, width {width}";
}
