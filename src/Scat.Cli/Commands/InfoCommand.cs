using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Scat.Output;

namespace Scat.Cli.Commands;

/// <summary><c>scat info FILE [--json]</c>: what a scat output (.npz, .npy, .parquet) holds.</summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "A .npz, .npy or .parquet file written by scat extract" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text" };
        var command = new Command("info", "Print what a scat output holds: format, rows, feature shape, J, L, order, channels, classes")
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
            var info = FeatureFileInfo.Read(path);
            console.Out.Write(json ? Json(info) + "\n" : Text(info));
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

    public static string Text(FeatureFileInfo i)
    {
        var sb = new StringBuilder();
        void Line(string name, object? value)
        {
            if (value is not null) sb.Append(CultureInfo.InvariantCulture, $"{name + ":",-15}{value}\n");
        }
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
        Line("classes", i.Classes is null ? null : $"{i.Classes.Count}" + (i.Classes.Count == 0 ? "" : ": " + string.Join(" ", i.Classes)));
        Line("inputs", i.Inputs is null ? null : string.Join(" ", i.Inputs));
        Line("scat version", i.ScatVersion);
        Line("created", i.Created);
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
            Array("inputs", i.Inputs, (w, c) => w.WriteStringValue(c));
            Str("scat_version", i.ScatVersion);
            Str("created", i.Created);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
