namespace Scat.Cli;

/// <summary>The process's streams as the commands see them; tests pass their own.</summary>
/// <param name="StandardOutput">Binary standard output ("-o -").</param>
/// <param name="Out">Text standard output (help, version).</param>
/// <param name="Error">Standard error: errors, notices, progress.</param>
/// <param name="ErrorIsTerminal">Whether a progress bar may be drawn on <paramref name="Error"/>.</param>
internal sealed record CliConsole(Stream StandardOutput, TextWriter Out, TextWriter Error, bool ErrorIsTerminal)
{
    /// <summary>Standard input as text (--files-from -); empty unless set.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Whether standard output is a terminal (binary output is then refused).</summary>
    public bool OutputIsTerminal { get; init; }

    public static CliConsole FromProcess() =>
        new(Console.OpenStandardOutput(), Console.Out, Console.Error, !Console.IsErrorRedirected)
        {
            In = Console.In,
            OutputIsTerminal = !Console.IsOutputRedirected,
        };

    /// <summary>One line "scat: error: MESSAGE" on standard error.</summary>
    public void WriteError(string message) => Error.WriteLine($"scat: error: {message}");
}
