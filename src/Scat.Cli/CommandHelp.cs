using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Scat.Cli;

/// <summary>
/// A command's help with its options under headings (Input, Transform, Output, Run…) and examples, declared where
/// the command binds its options (<see cref="OptionBinder{T}.Group"/>, <see cref="OptionBinder{T}.Example"/>).
/// Commands without headings get System.CommandLine's own help.
/// </summary>
internal sealed class CommandHelp
{
    private static readonly ConditionalWeakTable<Command, CommandHelp> Helps = [];

    /// <summary>The width help is wrapped to.</summary>
    private const int Width = 100;

    private readonly List<(string Title, List<Option> Options)> _groups = [];

    public List<(string CommandLine, string What)> Examples { get; } = [];

    public static CommandHelp For(Command command) => Helps.GetValue(command, _ => new CommandHelp());

    public void Group(string title) => _groups.Add((title, []));

    public void Add(Option option)
    {
        if (_groups.Count == 0) Group("");
        _groups[^1].Options.Add(option);
    }

    /// <summary>The help action of <paramref name="root"/>'s --help: a command with headings is written here, any other by <paramref name="original"/>.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
            if (help.Action is CommandLineAction original) help.Action = new Action(original);
    }

    private sealed class Action(CommandLineAction original) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            if (!Helps.TryGetValue(command, out var help) || help._groups.Count == 0)
                return original is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : 0;
            var inherited = parseResult.RootCommandResult.Command.Options.Where(o => o.Recursive); // --help
            parseResult.InvocationConfiguration.Output.Write(help.Render(command, inherited));
            return 0;
        }

        public override bool ClearsParseErrors => true;
    }

    /// <summary>Description, usage, arguments, the options under their headings (the rest and the <paramref name="inherited"/>
    /// ones, --help, under "Other options"), examples.</summary>
    public string Render(Command command, IEnumerable<Option> inherited)
    {
        var sb = new StringBuilder();
        sb.Append("Description:\n  ").Append(command.Description).Append("\n\n");
        var arguments = string.Concat(command.Arguments.Select(a => a.Arity.MaximumNumberOfValues > 1 ? $" [<{a.Name}>...]" : $" <{a.Name}>"));
        sb.Append(CultureInfo.InvariantCulture, $"Usage:\n  scat {command.Name}{arguments} [options]\n\n");

        var grouped = _groups.SelectMany(g => g.Options).ToHashSet();
        var groups = _groups.Select(g => (Title: g.Title.Length == 0 ? "Options" : g.Title + " options", Rows: g.Options.Select(Row).ToList()))
            .Append((Title: "Other options", Rows: command.Options.Concat(inherited).Where(o => !grouped.Contains(o) && !o.Hidden).Distinct().Select(Row).ToList()))
            .Where(g => g.Rows.Count > 0).ToList();
        var argumentRows = command.Arguments.Select(a => (Label: $"<{a.Name}>", Text: a.Description ?? "")).ToList();
        int column = Math.Min(34, groups.SelectMany(g => g.Rows).Concat(argumentRows).Max(r => r.Label.Length) + 2);

        if (argumentRows.Count > 0) Section(sb, "Arguments", argumentRows, column);
        foreach (var (title, rows) in groups) Section(sb, title, rows, column);
        if (Examples.Count > 0)
        {
            sb.Append("Examples:\n");
            foreach (var (line, what) in Examples)
            {
                sb.Append("  ").Append(line).Append('\n');
                foreach (var text in Wrap(what, Width - 6)) sb.Append("      ").Append(text).Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, List<(string Label, string Text)> rows, int column)
    {
        sb.Append(title).Append(":\n");
        foreach (var (label, text) in rows)
        {
            var lines = Wrap(text, Width - column - 2);
            bool own = label.Length + 2 > column; // a long label gets its own line
            sb.Append("  ").Append(label);
            if (own) sb.Append('\n').Append(' ', column + 2);
            else sb.Append(' ', column - label.Length);
            sb.AppendJoin("\n" + new string(' ', column + 2), lines).Append('\n');
        }
        sb.Append('\n');
    }

    /// <summary>"-J, --scale &lt;J&gt;" and the description with its default ("[default: 2]").</summary>
    private static (string Label, string Text) Row(Option o)
    {
        var names = string.Join(", ", o.Aliases.Append(o.Name).Distinct().Where(n => n.StartsWith('-'))
            .OrderBy(n => n.StartsWith("--", StringComparison.Ordinal) ? 1 : 0).ThenBy(n => n, StringComparer.Ordinal));
        bool flag = o.ValueType == typeof(bool) || o is HelpOption;
        var label = flag ? names : $"{names} <{o.HelpName ?? o.Name.TrimStart('-')}>";
        var text = o.Description ?? "";
        if (!flag && o.HasDefaultValue && Format(o.GetDefaultValue()) is { Length: > 0 } value) text += $" [default: {value}]";
        if (o.Required) text += " (required)";
        return (label, text);
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        Enum e => e.ToString().ToLowerInvariant(),
        string s => s,
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line.ToString()); line.Clear(); }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0 || lines.Count == 0) lines.Add(line.ToString());
        return lines;
    }
}
