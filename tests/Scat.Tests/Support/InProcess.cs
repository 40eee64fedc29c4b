using Scat.Cli;

namespace Scat.Tests.Support;

/// <summary>What one in-process run of the tool gave: its exit code, standard error, the bytes written to standard
/// output (features under <c>-o -</c>) and its text output (tables, <c>info</c>, <c>--help</c>).</summary>
public sealed record ScatRun(int Exit, string Stderr, byte[] Stdout, string Out);

/// <summary>How the console of an in-process run looks: whether standard error and output are terminals, and what
/// standard input holds (nothing when null).</summary>
public sealed record ConsoleSetup(bool ErrorIsTerminal = false, bool OutputIsTerminal = false, TextReader? Stdin = null);

/// <summary>The tool run in this process (<see cref="ScatApp.RunAsync"/>) with its streams captured: the one in-process
/// runner of the tests (<see cref="ChildProcess"/> runs the tool in a child).</summary>
public static class InProcess
{
    public static ScatRun Scat(params string[] args) => ScatAsync(new ConsoleSetup(), args).GetAwaiter().GetResult();

    public static ScatRun Scat(ConsoleSetup setup, params string[] args) => ScatAsync(setup, args).GetAwaiter().GetResult();

    public static Task<ScatRun> ScatAsync(params string[] args) => ScatAsync(new ConsoleSetup(), args);

    public static async Task<ScatRun> ScatAsync(ConsoleSetup setup, params string[] args)
    {
        var stdout = new MemoryStream();
        var err = new StringWriter();
        var text = new StringWriter();
        var console = new CliConsole(stdout, text, err, ErrorIsTerminal: setup.ErrorIsTerminal)
        {
            OutputIsTerminal = setup.OutputIsTerminal,
            In = setup.Stdin ?? TextReader.Null,
        };
        int exit = await ScatApp.RunAsync(args, console, CancellationToken.None);
        return new ScatRun(exit, err.ToString(), stdout.ToArray(), text.ToString());
    }

    /// <summary>The non-empty lines of <paramref name="text"/>, trimmed.</summary>
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
