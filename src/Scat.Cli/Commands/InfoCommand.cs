using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Scat.Output;
using Scat.Pipeline;

namespace Scat.Cli.Commands;

/// <summary><c>scat info FILE [--json]</c>: what a scat output (.npz, .npy, .parquet) holds.</summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "A .npz, .npy or .parquet file written by scat extract, an NPY part's .meta.npz, or a folder of --part-size parts or its MANIFEST.json" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text" };
        var command = new Command("info", "Print what a scat output holds: format, rows, feature shape, channels, classes and the options that shaped the features; for a parts folder, the parts done")
        {
            file, json,
        };
        command.SetAction(r => (int)Handle(r.GetValue(file)!, r.GetValue(json), console));
        return command;
    }

    public static ExitCode Handle(string path, bool json, CliConsole console)
    {
        return CommandErrors.Run(console, CancellationToken.None, () =>
        {
            if (Directory.Exists(path) || string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase))
            {
                var parts = PartedOutput.Inspect(path);
                // One JSON document: an object for one manifest, an array for a folder of shards' manifests.
                console.Out.Write(json ? (parts.Count == 1 ? Json(parts[0]) : "[" + string.Join(",\n", parts.Select(Json)) + "]") + "\n"
                    : string.Join("\n", parts.Select(Text)));
            }
            else
            {
                var info = FeatureFileInfo.Read(path);
                console.Out.Write(json ? Json(info) + "\n" : Text(info));
            }
            console.Out.Flush();
            return ExitCode.Success;
        });
    }

    private static string Shape(IEnumerable<long> shape) => "(" + string.Join(", ", shape) + ")";

    /// <summary>"81 (1 of order 0, 16 of order 1, 64 of order 2)".</summary>
    private static string ChannelSummary(IReadOnlyList<Scat.Transform.ChannelMeta> channels) =>
        string.Create(CultureInfo.InvariantCulture, $"{channels.Count} (") +
        string.Join(", ", channels.GroupBy(c => c.Order).OrderBy(g => g.Key).Select(g => $"{g.Count()} of order {g.Key}")) + ")" +
        (Scat.Transform.ChannelFields.IsRotationInvariant(channels) ? "; rotation-invariant: " + string.Join(", ", Scat.Transform.ChannelFields.RotationInvariant) : "");

    /// <summary>"name:" padded to one column, then the value; nothing for a null value.</summary>
    private static void Line(StringBuilder sb, string name, object? value)
    {
        if (value is not null) sb.Append(CultureInfo.InvariantCulture, $"{name + ":",-15}{value}\n");
    }

    /// <summary>The options that shaped the features, one "name: value" line each under "options:".</summary>
    private static void Options(StringBuilder sb, IEnumerable<KeyValuePair<string, string>>? options)
    {
        if (options is null) return;
        sb.Append("options:\n");
        foreach (var (name, value) in options) sb.Append(CultureInfo.InvariantCulture, $"  {name}: {value}\n");
    }

    public static string Text(FeatureFileInfo i)
    {
        var sb = new StringBuilder();
        void Line(string name, object? value) => InfoCommand.Line(sb, name, value);
        Line("format", i.Format);
        Line("rows", i.Rows);
        Line("feature shape", i.FeatureShape is null ? "one per row (images of several sizes; the shape column)" : Shape(i.FeatureShape) + " per image");
        Line("dtype", i.DType);
        Line("J", i.J);
        Line("L", i.L);
        Line("order", i.Order);
        Line("color", i.Color);
        Line("size", i.Size is [var h, var w] ? $"height {h}, width {w}" : null);
        Line("tile", i.Tile is [var th, var tw] ? $"height {th}, width {tw}" + (i.TileStride is [var sh, var sw] ? $", stride height {sh}, width {sw}" : "") : null);
        Line("channels", i.Channels is null ? null : ChannelSummary(i.Channels));
        if (i.Classes is { Count: > 0 }) Line("classes", $"{i.Classes.Count}: " + string.Join(" ", i.Classes));
        else Line("labels", i.DistinctLabels is { } d ? (d == 0 ? "none" : $"{d} distinct") : null);
        Line("inputs", i.Inputs is null ? null : string.Join(" ", i.Inputs));
        Line("scat version", i.ScatVersion);
        Line("created", i.Created);
        Options(sb, i.Options);
        if (i.Format == "npy") sb.Append("(an .npy file holds the features alone)\n");
        return sb.ToString();
    }

    public static string Json(FeatureFileInfo i)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", i.Format);
            w.WriteNumber("rows", i.Rows);
            void Int(string name, int? v) { if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name); }
            void Str(string name, string? v) { if (v is not null) w.WriteString(name, v); else w.WriteNull(name); }
            void Array<T>(string name, IEnumerable<T>? values, Action<Utf8JsonWriter, T> write)
            {
                if (values is null) { w.WriteNull(name); return; }
                w.WriteStartArray(name);
                foreach (var v in values) write(w, v);
                w.WriteEndArray();
            }
            Array("feature_shape", i.FeatureShape, (w, d) => w.WriteNumberValue(d));
            w.WriteString("dtype", i.DType);
            Int("J", i.J);
            Int("L", i.L);
            Int("order", i.Order);
            Str("color", i.Color);
            Array("size", i.Size, (w, d) => w.WriteNumberValue(d));
            Array("tile", i.Tile, (w, d) => w.WriteNumberValue(d));
            Array("tile_stride", i.TileStride, (w, d) => w.WriteNumberValue(d));
            if (i.Channels is null) w.WriteNull("channels");
            else ScatInfo.WriteChannels(w, "channels", i.Channels);
            Array("classes", i.Classes, (w, c) => w.WriteStringValue(c));
            Int("distinct_labels", i.DistinctLabels);
            Array("inputs", i.Inputs, (w, c) => w.WriteStringValue(c));
            Str("scat_version", i.ScatVersion);
            Str("created", i.Created);
            OptionsJson(w, i.Options);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void OptionsJson(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, string>>? options)
    {
        if (options is null) { w.WriteNull("options"); return; }
        w.WriteStartObject("options");
        foreach (var (name, value) in options) w.WriteString(name, value);
        w.WriteEndObject();
    }

    /// <summary>The manifest's options (sorted by name there) in the order the outputs record them; unknown names last.</summary>
    private static IEnumerable<KeyValuePair<string, string>> InDeclarationOrder(IReadOnlyDictionary<string, string> options)
    {
        var order = FeatureShaping.Names<ExtractOptions>().ToList();
        return options.OrderBy(kv => order.IndexOf(kv.Key) is var i and >= 0 ? i : int.MaxValue);
    }

    /// <summary>A parts folder: the parts done (checked as --resume checks them), their rows and bytes, and the options.</summary>
    public static string Text(PartsInfo p)
    {
        var sb = new StringBuilder();
        var m = p.Manifest;
        Line(sb, "manifest", p.Path);
        Line(sb, "parts", $"{p.Good.Count} of {m.PartCount} done");
        Line(sb, "rows", p.Rows);
        Line(sb, "bytes", p.Bytes);
        Line(sb, "feature shape", m.FeatureShape is null ? null : Shape(m.FeatureShape) + " per image");
        Line(sb, "inputs", string.Join(" ", m.Inputs));
        foreach (var (part, problem) in p.Bad) Line(sb, "not done", $"part {part.Index} ({part.File}) {problem}");
        Line(sb, "scat version", m.ScatVersion);
        Options(sb, InDeclarationOrder(m.Options));
        return sb.ToString();
    }

    public static string Json(PartsInfo p)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var m = p.Manifest;
            w.WriteStartObject();
            w.WriteString("manifest", p.Path);
            w.WriteNumber("parts_done", p.Good.Count);
            w.WriteNumber("parts", m.PartCount);
            w.WriteNumber("rows", p.Rows);
            w.WriteNumber("bytes", p.Bytes);
            w.WriteStartArray("feature_shape");
            foreach (var d in m.FeatureShape ?? []) w.WriteNumberValue(d);
            w.WriteEndArray();
            w.WriteStartArray("not_done");
            foreach (var (part, problem) in p.Bad) w.WriteStringValue($"part {part.Index} ({part.File}) {problem}");
            w.WriteEndArray();
            OptionsJson(w, InDeclarationOrder(m.Options));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
