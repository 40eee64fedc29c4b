using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using Scat.Cli.Commands;

namespace Scat.Cli;

/// <summary>The command tree and its invocation, with the process's streams or a test's.</summary>
internal static class ScatApp
{
    /// <summary>The tool's version (e.g. 0.2.0), from this assembly rather than the entry assembly (a test host in tests).</summary>
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
        CommandHelp.Install(root);
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
        // "scat" alone prints the help, with exit code 1 (nothing was done).
        if (args is [])
        {
            await CreateRoot(console).Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken).ConfigureAwait(false);
            return (int)ExitCode.Failed;
        }
        // "scat help [COMMAND]" is "scat [COMMAND] --help"; "scat version" is "scat --version".
        args = args switch
        {
            ["help", "help" or "version"] => ["--help"], // the two words are not commands of the tree
            ["help", .. var rest] => [.. rest, "--help"],
            ["version", .. var rest] => ["--version", .. rest],
            _ => args,
        };
        var root = CreateRoot(console);
        var parse = root.Parse(args);
        if ((UnknownCommand(parse, root) ?? UnknownOption(parse)) is { } unknown)
        {
            console.WriteError(unknown);
            return (int)ExitCode.BadArguments;
        }
        if (parse.Errors.Count > 0)
        {
            // One line: the first problem, and where the options are explained.
            var command = parse.CommandResult.Command;
            console.WriteError($"{Wording(parse.Errors[0])} (see '{Where(command)} --help')");
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

    private static string Where(Command command) => command is RootCommand ? "scat" : "scat " + command.Name;

    /// <summary>A first word that is no command: one line naming it, with the closest command when one is near.</summary>
    internal static string? UnknownCommand(ParseResult parse, RootCommand root)
    {
        if (parse.CommandResult.Command is not RootCommand || parse.Tokens is not [{ Type: TokenType.Argument } first, ..]) return null;
        var near = Nearest(first.Value, root.Subcommands.Select(c => c.Name).Append("help").Append("version"));
        return $"unknown command '{first.Value}'{(near is null ? "" : $"; did you mean {near}?")} (see 'scat --help')";
    }

    /// <summary>
    /// A token that starts with '-' where the command takes a value (INPUT, IMAGE, or an option's value, e.g. "--size 64
    /// --colour") is a misspelt option, not a file: one line naming the first, with the closest option when one is
    /// near. A file named "-x" is given as ./-x.
    /// </summary>
    internal static string? UnknownOption(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct().ToList();
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) break;
            var text = token.Value;
            if (token.Type != TokenType.Argument || text.Length < 2 || text[0] != '-' || char.IsAsciiDigit(text[1]) || text[1] == '.') continue;
            var near = Nearest(text.Split('=', 2)[0], names);
            return $"unknown option '{text}'{(near is null ? "" : $"; did you mean {near}?")} (see '{Where(command)} --help')";
        }
        return null;
    }

    /// <summary>
    /// A parse error in scat's words: a value that is not a number names the option, not a .NET type ("--scale (-J)
    /// takes a whole number, got 'two'"); the others (choices, sizes, devices) are already scat's.
    /// </summary>
    private static string Wording(ParseError error)
    {
        var option = error.SymbolResult as OptionResult ?? (error.SymbolResult as ArgumentResult)?.Parent as OptionResult;
        var type = option is null ? null : Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        string? kind = type == typeof(int) || type == typeof(long) ? "a whole number" : type == typeof(double) ? "a number" : null;
        var text = option?.Tokens.Count > 0 ? option.Tokens[0].Value : null;
        bool parses = text is not null && (type == typeof(int) ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type == typeof(long) ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        if (option is null || kind is null || text is null || parses)
            return Messages.OneLine(error.Message); // a number refused by the option's own parser (--order 3) keeps its words
        var typed = option.IdentifierToken?.Value;
        var name = typed is null || typed == option.Option.Name ? option.Option.Name : $"{option.Option.Name} ({typed})";
        return $"{name} takes {kind}, got '{text}'";
    }

    /// <summary>The candidate nearest to <paramref name="name"/>, when near enough to be a slip; else null.</summary>
    private static string? Nearest(string name, IEnumerable<string> candidates) =>
        candidates.Select(n => (Name: n, Distance: Distance(name, n)))
            .Where(c => c.Distance <= Math.Max(1, c.Name.Length / 4) || (name.StartsWith(c.Name, StringComparison.Ordinal) && c.Name.Length > 2))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).FirstOrDefault();

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
