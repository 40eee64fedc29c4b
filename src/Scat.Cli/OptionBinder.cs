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

    /// <summary>The record with every option's value applied; the parsers throw <see cref="ScatUsageException"/>.</summary>
    public T Bind(ParseResult result, T start) => _bindings.Aggregate(start, (o, bind) => bind(result, o));
}
