using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scat.Output;

/// <summary>One finished part as the manifest records it (issue 14).</summary>
public sealed record ManifestPart
{
    /// <summary>The part's number k: it covers the positions [k·part_size, (k+1)·part_size) of the run's listing.</summary>
    public int Index { get; init; }
    /// <summary>The part's file name, beside the manifest.</summary>
    public required string File { get; init; }
    /// <summary>The first listing position of the part (of the whole input listing, not of the shard).</summary>
    public long First { get; init; }
    /// <summary>One past the last listing position of the part.</summary>
    public long End { get; init; }
    /// <summary>Images written to the part (End − First − Skipped).</summary>
    public long Rows { get; init; }
    /// <summary>Images of the range that could not be decoded.</summary>
    public long Skipped { get; init; }
    public long Bytes { get; init; }
    /// <summary>XXH128 of the file's bytes, 32 hex digits.</summary>
    public required string Xxh128 { get; init; }
    /// <summary>An NPY part's labels, paths and metadata: the NPZ file beside it (null for NPZ and Parquet parts).</summary>
    public string? Sidecar { get; init; }
    public long? SidecarBytes { get; init; }
    public string? SidecarXxh128 { get; init; }
}

/// <summary>The fingerprint of the input listing: image count and XXH128 of every key, size and mtime.</summary>
public sealed record ListingFingerprint
{
    public long Count { get; init; }
    public required string Xxh128 { get; init; }
}

/// <summary>
/// MANIFEST.json (MANIFEST-SHARD.json with --shard) beside the parts of a <c>--part-size</c> run: the options that
/// shape the features, the inputs as given, the listing's fingerprint and every finished part. Written at the
/// start of a run and after each part, atomically (temporary file, fsync, rename).
/// </summary>
public sealed record Manifest
{
    public int ManifestVersion { get; init; } = 1;
    public string ScatVersion { get; init; } = ScatInfo.Version;
    /// <summary>The options that shape the features, as text, in a fixed order (compared one by one by --resume).</summary>
    public required SortedDictionary<string, string> Options { get; init; }
    /// <summary>INPUT as given, or the --files-from source.</summary>
    public required List<string> Inputs { get; init; }
    public required ListingFingerprint Listing { get; init; }
    /// <summary>The run's positions [ShardFirst, ShardEnd) of the listing (all of it without --shard).</summary>
    public long ShardFirst { get; init; }
    public long ShardEnd { get; init; }
    public int PartSize { get; init; }
    public int PartCount { get; init; }
    /// <summary>The shape of one image's features, known once the first image is decoded.</summary>
    public List<long>? FeatureShape { get; set; }
    /// <summary>true once every part is written.</summary>
    public bool Complete { get; set; }
    public List<ManifestPart> Parts { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads a manifest; throws <see cref="ScatException"/> naming the file when it cannot.</summary>
    public static Manifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(path), Json)
                   ?? throw new ScatException($"cannot read {path}: empty manifest");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ScatException($"cannot read the manifest {path}: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>Writes the manifest atomically: temporary file, fsync, rename, fsync of the folder.</summary>
    public void Write(string path)
    {
        using var target = new OutputTarget(path);
        target.Stream.Write(ToJson());
        target.Stream.WriteByte((byte)'\n');
        target.Commit(overwrite: true, durable: true);
    }
}

/// <summary>The checksum of parts: XXH128 (System.IO.Hashing), tens of GB/s, far faster than the disk.</summary>
public static class PartChecksum
{
    public static string OfFile(string path)
    {
        var hash = new XxHash128();
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            hash.Append(s);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
