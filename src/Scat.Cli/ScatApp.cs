using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Scat.Cli.Commands;

namespace Scat.Cli;

/// <summary>The command tree and its invocation, with the process's streams or a test's.</summary>
internal static class ScatApp
{
    /// <summary>The tool's version (0.1.0), from this assembly rather than the entry assembly (a test host in tests).</summary>
    public static string Version => ScatInfo.Version;

    public static RootCommand CreateRoot(CliConsole console)
    {
        var root = new RootCommand("scat: wavelet scattering features (the 2D scattering transform, as Kymatio computes it) for folders of images")
        {
            ExtractCommand.Create(console),
            BenchCommand.Create(console),
            FiltersCommand.Create(console),
            ShowCommand.Create(console),
            InfoCommand.Create(console),
        };
        foreach (var version in root.Options.OfType<VersionOption>()) version.Action = new PrintVersion();
        return root;
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return 0;
        }
    }

    /// <summary>Parses and runs; a bad command line is exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var parse = CreateRoot(console).Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line: the first problem, and where the options are explained.
            var command = parse.CommandResult.Command;
            console.WriteError($"{Messages.OneLine(parse.Errors[0].Message)} (see 'scat {(command is RootCommand ? "" : command.Name + " ")}--help')");
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
}
