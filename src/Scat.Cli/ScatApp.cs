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
        // "scat help" prints the help, like "scat --help"; "scat" alone prints it too, with exit code 1 (nothing was done).
        if (args is [])
        {
            await CreateRoot(console).Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken).ConfigureAwait(false);
            return (int)ExitCode.Failed;
        }
        if (args is ["help"]) args = ["--help"];
        var parse = CreateRoot(console).Parse(args);
        if (UnknownOption(parse) is { } unknown)
        {
            console.WriteError(unknown);
            return (int)ExitCode.BadArguments;
        }
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

    /// <summary>
    /// A token that starts with '-' where the command takes an argument (INPUT, IMAGE) is a misspelt option, not a
    /// file: one line naming it, with the closest option when one is near. A file named "-x" is given as ./-x.
    /// </summary>
    internal static string? UnknownOption(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var tokens = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().SelectMany(a => a.Tokens)
            .Select(t => t.Value).Concat(parse.UnmatchedTokens);
        foreach (var text in tokens)
        {
            if (text.Length < 2 || text[0] != '-' || char.IsAsciiDigit(text[1]) || text[1] == '.') continue;
            var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct().ToList();
            var name = text.Split('=', 2)[0];
            var near = names.Select(n => (Name: n, Distance: Distance(name, n)))
                .Where(c => c.Distance <= Math.Max(1, c.Name.Length / 4) || (name.StartsWith(c.Name, StringComparison.Ordinal) && c.Name.Length > 2))
                .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).FirstOrDefault();
            var where = command is RootCommand ? "scat" : "scat " + command.Name;
            return $"unknown option '{text}'{(near is null ? "" : $"; did you mean {near}?")} (see '{where} --help')";
        }
        return null;
    }

    /// <summary>Edit distance (insertions, deletions, substitutions; an ASCII case change counts half, rounded up).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int change = a[i - 1] == b[j - 1] ? 0 : char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 1 : 2;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 2, d[i, j - 1] + 2), d[i - 1, j - 1] + change);
            }
        return (d[a.Length, b.Length] + 1) / 2;
    }
}
