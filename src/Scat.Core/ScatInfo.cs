using System.Reflection;
using System.Text.Json;
using Scat.Transform;

namespace Scat;

/// <summary>Facts about this build of scat that outputs record.</summary>
public static class ScatInfo
{
    /// <summary>The version, e.g. 0.2.0 (without the source revision).</summary>
    public static string Version { get; } =
        typeof(ScatInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ScatInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Writes the channel meta as a JSON array of {order, j1, theta1, j2, theta2} objects, or of
    /// {order, j1, j2, delta, freq} for rotation-invariant channels (<see cref="ChannelFields"/>).
    /// </summary>
    public static void WriteChannels(Utf8JsonWriter json, string propertyName, IReadOnlyList<ChannelMeta> channels)
    {
        var fields = ChannelFields.Of(channels);
        json.WriteStartArray(propertyName);
        foreach (var c in channels)
        {
            json.WriteStartObject();
            foreach (var f in fields) json.WriteNumber(f, ChannelFields.Value(c, f));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
