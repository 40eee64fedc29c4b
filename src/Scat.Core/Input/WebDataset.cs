using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Scat.Input;

/// <summary>
/// One WebDataset sample of a tar shard: the consecutive members sharing a key (the member name up to the first
/// dot of its base name, within its directory).
/// </summary>
/// <param name="Shard">The shard as given (a path, or "-" for standard input).</param>
/// <param name="Key">The sample's key, with its directory (e.g. "train/000010042").</param>
/// <param name="Label">The integer in the sample's <c>.cls</c> member, else −1.</param>
/// <param name="Image">The image member's bytes, or null when <see cref="Problem"/> says why there is none.</param>
/// <param name="ImageMember">The image member's name in the tar, or null.</param>
/// <param name="Problem">Why the sample cannot be used (no image, several images, bad .cls, too large), or null.
/// The pipeline skips such a sample with one line naming <see cref="Path"/> and this reason.</param>
/// <param name="Offset">Byte offset in the (decompressed) tar of the sample's first member header.</param>
public sealed record TarSample(string Shard, string Key, int Label, byte[]? Image, string? ImageMember, string? Problem, long Offset)
{
    /// <summary>The path written to the output: <c>SHARD/KEY</c>.</summary>
    public string Path => Shard + "/" + Key;
}

/// <summary>
/// A truncated or corrupt tar. The samples before the damage were yielded; the sample being read when the damage
/// was met is dropped. The message is one line naming the shard and the byte offset.
/// </summary>
public sealed class TarDamageException(string shard, long offset, int samplesKept, string message, Exception? inner = null)
    : ScatException(message, inner)
{
    public string Shard { get; } = shard;
    /// <summary>Byte offset in the (decompressed) tar where the damage was found.</summary>
    public long Offset { get; } = offset;
    /// <summary>How many samples of the shard were yielded before the damage.</summary>
    public int SamplesKept { get; } = samplesKept;
}

/// <summary>
/// Reads WebDataset tar shards sequentially (no seeking, no extraction to disk), e.g. from a pipe.
/// Tar parsing is .NET's System.Formats.Tar (ustar, GNU long names 'L'/'K', pax extended and global headers, v7),
/// which reads a non-seekable stream entry by entry; a counting wrapper gives the byte offsets for damage reports.
/// Member names are only names: nothing is written or opened on disk, so "..", absolute names or links are harmless
/// (links, folders and other non-file entries are ignored).
/// </summary>
public static class WebDataset
{
    /// <summary>The biggest member read into memory (an image or .cls member beyond it makes its sample a problem).</summary>
    public const long MaxMemberBytes = 1L << 30;

    /// <summary>True for names of tar shards: .tar, .tar.gz, .tgz (any case), or "-" (one tar from standard input).</summary>
    public static bool IsTarInput(string path) =>
        path == "-" || path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The samples of one shard file (".tar", ".tar.gz"/".tgz" through GZipStream, "-" for standard input), in tar
    /// order. A missing file throws <see cref="ScatException"/>; damage throws <see cref="TarDamageException"/>
    /// after the samples before it.
    /// </summary>
    /// <param name="imageExtension">The image extension to take when a sample has several (as <c>--image-ext</c>: "jpg", ".jpg" or "seg.png"), or null.</param>
    public static IEnumerable<TarSample> ReadShard(string shard, string? imageExtension = null)
    {
        if (shard != "-" && !File.Exists(shard)) throw new ScatException($"input not found: {shard}");
        return Iterate(shard, imageExtension);

        static IEnumerable<TarSample> Iterate(string shard, string? imageExtension)
        {
            using var raw = shard == "-" ? Console.OpenStandardInput()
                : new FileStream(shard, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            bool gz = shard.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || shard.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);
            using var stream = gz ? new GZipStream(raw, CompressionMode.Decompress) : raw;
            foreach (var s in ReadSamples(stream, shard, imageExtension)) yield return s;
        }
    }

    /// <summary>The samples of one tar read from <paramref name="stream"/> (read forward only; left open).</summary>
    public static IEnumerable<TarSample> ReadSamples(Stream stream, string shardName, string? imageExtension = null)
    {
        string? wanted = imageExtension is null ? null : imageExtension.TrimStart('.');
        var counting = new CountingStream(stream);
        using var reader = new TarReader(counting, leaveOpen: true);
        Group? pending = null;
        int kept = 0;
        while (true)
        {
            long headerAt = counting.Count;
            TarEntry? entry = null;
            Exception? failure = null;
            try { entry = reader.GetNextEntry(copyData: false); }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or InvalidOperationException or OverflowException) { failure = e; }
            if (failure is not null) throw Damage(shardName, headerAt, counting.Count, kept, pending, null, failure);
            if (entry is null) break;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;

            string name = entry.Name;
            var (key, ext) = SplitName(name);
            if (pending is not null && pending.Key != key)
            {
                kept++;
                yield return pending.ToSample(shardName, wanted);
                pending = null;
            }
            pending ??= new Group(key, headerAt);
            bool needed = ext.Equals("cls", StringComparison.OrdinalIgnoreCase) || IsImageExtension(ext);
            if (!needed) { pending.Others.Add(ext); continue; } // TarReader skips the unread data before the next header
            if (entry.Length > MaxMemberBytes)
            {
                pending.Members.Add(new Member(name, ext, null, $"member {name} of {entry.Length} bytes is too large"));
                continue;
            }
            byte[] data = new byte[entry.Length];
            long dataAt = counting.Count;
            try
            {
                if (entry.Length > 0)
                {
                    var ds = entry.DataStream ?? throw new EndOfStreamException();
                    ds.ReadExactly(data);
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or InvalidDataException) { failure = e; }
            if (failure is not null)
                throw Damage(shardName, headerAt, counting.Count, kept, pending, $"inside member '{name}' (header at byte {headerAt}, {entry.Length} bytes from byte {dataAt})", failure);
            pending.Members.Add(new Member(name, ext, data, null));
        }
        if (pending is not null) yield return pending.ToSample(shardName, wanted);
    }

    private static TarDamageException Damage(string shard, long headerAt, long readTo, int kept, Group? pending, string? where, Exception e)
    {
        bool truncated = e is EndOfStreamException || (e.InnerException is EndOfStreamException);
        string what = truncated ? $"truncated tar: the data end at byte {readTo}" : $"corrupt tar at byte {headerAt}";
        where ??= truncated ? $"in the member header at byte {headerAt}" : $"({e.Message.TrimEnd('.')})";
        string dropped = pending is null ? "" : $", the unfinished sample '{pending.Key}' dropped";
        return new TarDamageException(shard, truncated ? readTo : headerAt, kept,
            $"{shard}: {what} {where}; {kept} sample{(kept == 1 ? "" : "s")} before it kept{dropped}", e);
    }

    /// <summary>(key, extension) of a member name: the key is the directory plus the base name up to its first dot; the extension is the rest after that dot ("" when none).</summary>
    public static (string Key, string Extension) SplitName(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        return dot < 0 ? (name, "") : (name[..dot], name[(dot + 1)..]);
    }

    /// <summary>True when the last dot-part of the extension is an image extension as <see cref="ImageListing.Extensions"/> lists them.</summary>
    public static bool IsImageExtension(string extension)
    {
        if (extension.Length == 0) return false;
        int dot = extension.LastIndexOf('.');
        var last = "." + extension[(dot + 1)..];
        foreach (var e in ImageListing.Extensions)
            if (string.Equals(last, e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private sealed record Member(string Name, string Ext, byte[]? Data, string? Problem);

    private sealed class Group(string key, long offset)
    {
        public string Key { get; } = key;
        public long Offset { get; } = offset;
        public List<Member> Members { get; } = [];
        public List<string> Others { get; } = [];

        public TarSample ToSample(string shard, string? wanted)
        {
            int label = -1;
            string? problem = null;
            var cls = Members.FirstOrDefault(m => m.Ext.Equals("cls", StringComparison.OrdinalIgnoreCase));
            if (cls is not null)
            {
                if (cls.Problem is not null) problem = cls.Problem;
                else
                {
                    var text = System.Text.Encoding.UTF8.GetString(cls.Data!).Trim();
                    if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out label))
                    {
                        label = -1;
                        problem = $"the .cls member is not an integer: '{(text.Length > 40 ? text[..40] + "…" : text)}'";
                    }
                }
            }
            var images = Members.Where(m => IsImageExtension(m.Ext)).ToList();
            Member? image = null;
            if (wanted is not null)
            {
                image = images.FirstOrDefault(m => m.Ext.Equals(wanted, StringComparison.OrdinalIgnoreCase));
                if (image is null) problem ??= $"no .{wanted} member (has: {Has()})";
            }
            else if (images.Count == 1) image = images[0];
            else if (images.Count == 0) problem ??= $"no image member (has: {Has()})";
            else
            {
                var plain = images.Where(m => !m.Ext.Contains('.')).ToList();
                if (plain.Count == 1) image = plain[0];
                else problem ??= $"several images ({string.Join(", ", images.Select(m => "." + m.Ext))}): choose one with --image-ext";
            }
            if (image?.Problem is not null) problem ??= image.Problem;
            return new TarSample(shard, Key, label, problem is null ? image?.Data : null, image?.Name, problem, Offset);
        }

        private string Has()
        {
            var all = Members.Select(m => "." + m.Ext).Concat(Others.Select(e => "." + e)).ToList();
            return all.Count == 0 ? "nothing" : string.Join(", ", all);
        }
    }

    /// <summary>A read-only forward stream that counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            Count += n;
            return n;
        }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count += n;
            return n;
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
