using System.CommandLine;

namespace Scat.Cli;

/// <summary>
/// Binds a command's options to one options record: each option is declared and mapped onto the record in
/// one line, and <see cref="Bind"/> applies the lines in order. Adding an option is one property on the
/// record and one <see cref="Add{TValue}(Option{TValue}, Func{T, TValue, T})"/> line.
/// </summary>
internal sealed class OptionBinder<T>(Command command)
{
    private readonly List<Func<ParseResult, T, T>> _bindings = [];

    public OptionBinder<T> Add<TValue>(Option<TValue> option, Func<T, TValue, T> bind)
    {
        command.Options.Add(option);
        _bindings.Add((r, o) => bind(o, r.GetValue(option)!));
        return this;
    }

    public OptionBinder<T> Add<TValue>(Argument<TValue> argument, Func<T, TValue, T> bind)
    {
        command.Arguments.Add(argument);
        _bindings.Add((r, o) => bind(o, r.GetValue(argument)!));
        return this;
    }

    /// <summary>Options added by <paramref name="add"/> and read together into the record by <paramref name="bind"/>.</summary>
    public OptionBinder<T> AddAll(Action<Command> add, Func<T, ParseResult, T> bind)
    {
        add(command);
        _bindings.Add((r, o) => bind(o, r));
        return this;
    }

    /// <summary>Lets a helper add a group of options (e.g. <see cref="Commands.CoefficientArguments"/>) inside a chain.</summary>
    public OptionBinder<T> With(Func<OptionBinder<T>, OptionBinder<T>> add) => add(this);

    /// <summary>The record with every option's value applied; the parsers throw <see cref="ScatUsageException"/>.</summary>
    public T Bind(ParseResult result, T start) => _bindings.Aggregate(start, (o, bind) => bind(result, o));
}
