using System.CommandLine;
using Scat.Cli.Commands;

namespace Scat.Cli;

/// <summary>The command tree and its invocation, with the process's streams or a test's.</summary>
internal static class ScatApp
{
    public static RootCommand CreateRoot(CliConsole console) =>
        new("scat: wavelet scattering features (the 2D scattering transform, as Kymatio computes it) for folders of images")
        {
            ExtractCommand.Create(console),
        };

    /// <summary>Parses and runs; a bad command line is exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var parse = CreateRoot(console).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) console.WriteError(OneLine(error.Message));
            var command = parse.CommandResult.Command;
            console.Error.WriteLine($"Try 'scat {(command is RootCommand ? "" : command.Name + " ")}--help'.");
            return (int)ExitCode.BadArguments;
        }
        var config = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            ProcessTerminationTimeout = null, // Program handles SIGINT and SIGTERM itself
        };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
