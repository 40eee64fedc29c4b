using System.CommandLine;

namespace Scat.Cli;

/// <summary>
/// Binds a command's options to one options record: each option is declared and mapped onto the record in
/// one line, and <see cref="Bind"/> applies the lines in order. Adding an option is one property on the
/// record and one <see cref="Add{TValue}(Option{TValue}, Func{T, TValue, T})"/> line. <see cref="Group"/> starts a
/// heading of the command's help (<see cref="CommandHelp"/>); the options added after it are listed under it.
/// </summary>
internal sealed class OptionBinder<T>(Command command)
{
    private readonly List<Func<ParseResult, T, T>> _bindings = [];
    private readonly CommandHelp _help = CommandHelp.For(command);

    public OptionBinder<T> Add<TValue>(Option<TValue> option, Func<T, TValue, T> bind)
    {
        command.Options.Add(option);
        _help.Add(option);
        _bindings.Add((r, o) => bind(o, r.GetValue(option)!));
        return this;
    }

    public OptionBinder<T> Add<TValue>(Argument<TValue> argument, Func<T, TValue, T> bind)
    {
        command.Arguments.Add(argument);
        _bindings.Add((r, o) => bind(o, r.GetValue(argument)!));
        return this;
    }

    /// <summary>The help heading of the options added next ("Input" → "Input options:").</summary>
    public OptionBinder<T> Group(string title)
    {
        _help.Group(title);
        return this;
    }

    /// <summary>An example for the help: the command line and what it does.</summary>
    public OptionBinder<T> Example(string commandLine, string what)
    {
        _help.Examples.Add((commandLine, what));
        return this;
    }

    /// <summary>Lets a helper add a group of options (e.g. <see cref="Commands.CoefficientArguments"/>) inside a chain.</summary>
    public OptionBinder<T> With(Func<OptionBinder<T>, OptionBinder<T>> add) => add(this);

    /// <summary>The record with every option's value applied (the values were parsed, and refused, while parsing).</summary>
    public T Bind(ParseResult result, T start) => _bindings.Aggregate(start, (o, bind) => bind(result, o));
}
