using System.Globalization;
using System.Reflection;

namespace Scat;

/// <summary>
/// Marks an option that shapes the features (their values, their rows, or the stored bytes): <c>--resume</c>
/// compares it with the manifest and every output records it. <paramref name="name"/> is the key it is recorded
/// under: its long option without dashes (or the key outputs already used). Without a name, the value is a record
/// whose own marked properties are the options (e.g. the coefficient options, --size and --fit).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FeatureShapingAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}

/// <summary>Marks an option that does not shape the features (how fast, how loud, where to, or recorded apart).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotFeatureShapingAttribute : Attribute;

/// <summary>
/// Reads the <see cref="FeatureShapingAttribute"/> declarations: the one list of what shapes the features, as
/// name/text pairs in declaration order (the manifest, the outputs' metadata and <c>scat info</c> use it).
/// </summary>
public static class FeatureShaping
{
    /// <summary>The text of an unset option (no --size, no --limit, no --shard...).</summary>
    public const string Unset = "none";

    /// <summary>The feature-shaping options of <paramref name="options"/>, in declaration order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Of<T>(T options) where T : class =>
        [.. Collect(typeof(T), options)];

    /// <summary>The names <see cref="Of{T}"/> gives for a <typeparamref name="T"/>, in the same order.</summary>
    public static IReadOnlyList<string> Names<T>() => [.. Collect(typeof(T), null).Select(kv => kv.Key)];

    /// <summary>The public instance properties of <paramref name="type"/>, in declaration order.</summary>
    public static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken);

    /// <summary>How a value is written: unset "none", booleans true/false, enums in lower case, numbers invariant.</summary>
    public static string Text(object? value) => value switch
    {
        null => Unset,
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? Unset,
    };

    /// <summary>"name=value", as an NPZ stores each option (one string each in its <c>options</c> array).</summary>
    public static string Pair(KeyValuePair<string, string> option) => option.Key + "=" + option.Value;

    /// <summary>The inverse of <see cref="Pair"/>; throws <see cref="FormatException"/> without '='.</summary>
    public static KeyValuePair<string, string> ParsePair(string text)
    {
        int at = text.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0) throw new FormatException($"option '{text}' is not name=value");
        return new(text[..at], text[(at + 1)..]);
    }

    private static IEnumerable<KeyValuePair<string, string>> Collect(Type type, object? value)
    {
        foreach (var p in Properties(type))
        {
            if (Marked(p) is not { } mark) continue;
            object? v = value is null ? null : p.GetValue(value);
            if (mark.Name is { } name) yield return new(name, Text(v));
            else
                foreach (var inner in Collect(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType, v))
                    yield return inner;
        }
    }

    /// <summary>The property's mark (a positional record's parameter carries it as <c>[property: FeatureShaping(...)]</c>).</summary>
    public static FeatureShapingAttribute? Marked(PropertyInfo p) => p.GetCustomAttribute<FeatureShapingAttribute>();

    /// <summary>Whether the property is declared as not shaping the features.</summary>
    public static bool MarkedNot(PropertyInfo p) => p.GetCustomAttribute<NotFeatureShapingAttribute>() is not null;
}
