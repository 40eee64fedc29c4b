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
        RespectNullableAnnotations = true,
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The largest manifest read (about 150,000 parts).</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>
    /// Reads and validates the manifest at <paramref name="path"/>, which must be a regular file of
    /// <paramref name="folder"/> (issue 22: the manifest is input too). Every field is checked: present and not null
    /// where required, counts and sizes in range, checksums 32 hex digits, part numbers below the part count and
    /// distinct, and every file it names a plain name in the folder (no folder, "..", absolute path, or link out of
    /// it). Throws <see cref="ScatException"/> with one line naming the file and the first problem.
    /// </summary>
    public static Manifest Read(string path, string folder)
    {
        byte[] bytes;
        try
        {
            if (Problem(path, MaxBytes) is { } bad) throw new ScatException($"cannot read the manifest {path}: it {bad}");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot read the manifest {path}: {Messages.FirstClause(e.Message)}", e);
        }
        Manifest? m;
        try
        {
            m = JsonSerializer.Deserialize<Manifest>(bytes, Json);
        }
        catch (JsonException e) when (e.Path is { } at && at != "$")
        {
            throw new ScatException($"cannot read the manifest {path}: the value at {at} is missing, null, of the wrong type or out of range", e);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new ScatException($"cannot read the manifest {path}: {Messages.OneLine(Messages.FirstLine(e.Message))}", e);
        }
        if ((m is null ? "it is empty (null)" : m.Invalid(folder)) is { } why)
            throw new ScatException($"the manifest {path} is not valid: {why}");
        return m!;
    }

    /// <summary>What is wrong with a deserialized manifest, or null.</summary>
    private string? Invalid(string folder)
    {
        if (ManifestVersion != 1) return $"manifest_version {ManifestVersion} is not 1";
        if (Options is null || Inputs is null || Listing is null || Parts is null) return "a required field is null";
        if (Options.Any(kv => kv.Value is null)) return "an option is null";
        if (Inputs.Any(i => i is null)) return "an input is null";
        if (Listing.Xxh128 is null || !IsChecksum(Listing.Xxh128) || Listing.Count < 0) return "the listing's count or xxh128 is not valid";
        if (PartSize < 1) return $"part_size {PartSize} is below 1";
        if (ShardFirst < 0 || ShardEnd < ShardFirst) return $"the shard range [{ShardFirst}, {ShardEnd}) is not valid";
        if (PartCount < 0 || PartCount != (ShardEnd - ShardFirst + PartSize - 1) / PartSize)
            return $"part_count {PartCount} is not the parts of {ShardEnd - ShardFirst} images by {PartSize}";
        if (FeatureShape is { } shape && (shape.Count is 0 or > 8 || shape.Any(d => d < 1 || d > int.MaxValue)))
            return "feature_shape is not valid";
        var seen = new HashSet<int>();
        foreach (var p in Parts)
        {
            if (p is null) return "a part is null";
            if (p.Index < 0 || p.Index >= PartCount || !seen.Add(p.Index)) return $"part index {p.Index} is out of range or repeated";
            string what = $"part {p.Index}";
            if (p.Rows < 0 || p.Skipped < 0 || p.Bytes < 0 || p.Xxh128 is null || !IsChecksum(p.Xxh128))
                return $"{what} has a negative count or size, or a checksum that is not 32 hex digits";
            if (NameProblem(p.File, folder) is { } f) return $"{what}: file {f}";
            if (p.Sidecar is not null)
            {
                if (NameProblem(p.Sidecar, folder) is { } sc) return $"{what}: sidecar {sc}";
                if (p.SidecarBytes is not >= 0 || p.SidecarXxh128 is null || !IsChecksum(p.SidecarXxh128))
                    return $"{what}: the sidecar's size or checksum is missing or not valid";
            }
        }
        return null;
    }

    private static bool IsChecksum(string s) => s.Length == 32 && s.All(char.IsAsciiHexDigit);

    /// <summary>Why a file name of the manifest is not confined to <paramref name="folder"/>, or null: it must be a plain
    /// name (no separator, not "." or ".."), and not a symbolic link.</summary>
    private static string? NameProblem(string? name, string folder)
    {
        if (name is null) return "is null";
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(name))
            return $"'{Messages.OneLine(name)}' is not a plain file name in the output folder";
        var status = Posix.Status(Path.Combine(folder, name), followLinks: false);
        return status is { IsLink: true } ? $"{name} is a symbolic link" : null;
    }

    /// <summary>Why <paramref name="path"/> cannot be read as one of the run's own files, or null: it must be a regular
    /// file (not a link, a device, a pipe or a folder) of at most <paramref name="maxBytes"/> bytes.</summary>
    internal static string? Problem(string path, long maxBytes)
    {
        if (Posix.Status(path, followLinks: false) is not { } s)
            return OperatingSystem.IsWindows() && File.Exists(path) ? null : "is missing";
        if (!s.IsRegular) return s.IsLink ? "is a symbolic link" : "is not a regular file";
        if (s.Size > (ulong)maxBytes) return $"has {s.Size} bytes, more than {maxBytes}";
        return null;
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
    /// <summary>The checksum of a file, read in 1 MiB pieces; <paramref name="cancellationToken"/> is looked at
    /// between them (a part of gigabytes is hashed in seconds: an interrupt is honoured at once).</summary>
    public static string OfFile(string path, CancellationToken cancellationToken = default)
    {
        var hash = new XxHash128();
        var buffer = new byte[1 << 20];
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            for (int n; (n = s.Read(buffer)) > 0;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.Append(buffer.AsSpan(0, n));
            }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
