
using Scat.Input.Containers;

namespace Scat.Pipeline;

/// <summary>The kinds of INPUT a run can read; one kind per run.</summary>
public enum InputKind { Files, Tar, Parquet, Array }

/// <summary>Which kind the INPUT names are (by their extension, after expansion); <see cref="ExtractOptions.Validate"/> checks the options that go with each kind.</summary>
public static class InputKinds
{
    public static InputKind KindOf(string input) =>
        TarShardReader.IsTarInput(input) ? InputKind.Tar
        : ParquetImageReader.IsParquetFile(input) ? InputKind.Parquet
        : NpyArrayReader.IsArrayFile(input) ? InputKind.Array
        : InputKind.Files;

    /// <summary>The one kind of <paramref name="inputs"/>; mixed kinds are refused with one line.</summary>
    public static InputKind Of(IReadOnlyList<string> inputs)
    {
        if (inputs.Count == 0) throw new ScatUsageException("no input given");
        var kind = KindOf(inputs[0]);
        foreach (var input in inputs)
            if (KindOf(input) != kind)
                throw new ScatUsageException($"{inputs[0]} is {Name(kind)} but {input} is {Name(KindOf(input))}; give one kind of input per run");
        if (kind == InputKind.Tar && inputs.Count > 1 && inputs.Contains("-"))
            throw new ScatUsageException("- (a tar on standard input) cannot be given with other inputs");
        return kind;
    }

    public static string Name(InputKind kind) => kind switch
    {
        InputKind.Tar => "a tar shard",
        InputKind.Parquet => "a Parquet table",
        InputKind.Array => "a numpy array",
        _ => "an image folder or file",
    };
}
