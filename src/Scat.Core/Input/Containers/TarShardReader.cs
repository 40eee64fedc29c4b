using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Scat.Input.Containers;

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
/// <param name="ImageLength">The image member's size in bytes (−1 without one): what the decode pass checks against the listing.</param>
public sealed record TarSample(string Shard, string Key, int Label, byte[]? Image, string? ImageMember, string? Problem, long Offset, long ImageLength = -1)
{
    /// <summary>The path written to the output: <c>SHARD/KEY</c>.</summary>
    public string Path => Shard + "/" + Key;
}

/// <summary>
/// A truncated or corrupt tar. The samples before the damage were yielded: when the damage is in a member header, the
/// sample read up to it is kept if it has every kind of member the sample before it had (else it may lack its .cls:
/// dropped); when it is inside a member's data, the sample of that member is dropped (it lacks data). The message is
/// one line naming the shard and the byte offset.
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
public static class TarShardReader
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
    /// <param name="withImages">False for a listing pass: no image member is held (each <see cref="TarSample.Image"/> is
    /// null, its size is in <see cref="TarSample.ImageLength"/>). True: only the member that can be the sample's image
    /// is held; a sample's other image members are read past as they stream by.</param>
    /// <param name="cancellationToken">Checked as members are read (a member of gigabytes does not delay an interrupt).</param>
    public static IEnumerable<TarSample> ReadSamples(Stream stream, string shardName, string? imageExtension = null, bool withImages = true,
        CancellationToken cancellationToken = default)
    {
        string? wanted = imageExtension is null ? null : imageExtension.TrimStart('.');
        var counting = new CountingStream(stream);
        using var reader = new TarReader(counting, leaveOpen: true);
        Group? pending = null;
        HashSet<string>? previous = null; // the kinds of member (extensions) of the last sample yielded
        int kept = 0;
        while (true)
        {
            // Every member's data have been read to their end, so the next header starts at the next 512-byte block.
            long headerAt = (counting.Count + 511) / 512 * 512;
            TarEntry? entry = null;
            Exception? failure = null;
            counting.CaptureBlockAt(headerAt);
            try
            {
                entry = reader.GetNextEntry(copyData: false);
                // TarReader ends quietly at a header it cannot use (a bad checksum, a header cut short): only an
                // all-zero block or the stream's end at a block boundary is a real end of the archive.
                if (entry is null && counting.CapturedLength > 0)
                {
                    if (counting.CapturedLength < 512) throw new EndOfStreamException("the stream ends inside a header");
                    if (!counting.CapturedIsZero) throw new InvalidDataException("a member header is not valid");
                }
                // TarReader does not verify header checksums (a flipped byte in a name or a size goes unnoticed, as a
                // test shows); the first header block of each member (its pax or GNU long-name header, if any) is checked here.
                if (entry is not null && !ChecksumMatches(counting.CapturedBlock))
                    throw new InvalidDataException("the member header's checksum does not match");
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or InvalidOperationException or OverflowException) { failure = e; }
            if (failure is not null)
            {
                // Damage in a header: the members of the sample being read are complete, but more of its members may have
                // followed (its .cls). It is kept only when it has every kind of member the sample before it had (the
                // first sample: an image and a .cls); otherwise it is dropped, as the message says, rather than kept
                // with a lost label.
                var has = pending?.Extensions();
                bool whole = has is not null && (previous is not null ? previous.All(has.Contains)
                    : has.Contains("cls") && has.Any(IsImageExtension));
                if (whole) { kept++; yield return pending!.ToSample(shardName, wanted); }
                throw Damage(shardName, headerAt, counting.Count, kept, whole ? null : pending, null, failure);
            }
            if (entry is null) break;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;

            string name = entry.Name;
            var (key, ext) = SplitName(name);
            if (pending is not null && pending.Key != key)
            {
                kept++;
                previous = pending.Extensions();
                yield return pending.ToSample(shardName, wanted);
                pending = null;
            }
            pending ??= new Group(key, headerAt);
            bool cls = ext.Equals("cls", StringComparison.OrdinalIgnoreCase);
            bool image = IsImageExtension(ext);
            bool needed = cls || image;
            bool tooLarge = needed && entry.Length > (cls ? MaxLabelBytes : MaxMemberBytes);
            // The bytes held: a .cls member's, and an image member's only when it can be the sample's image.
            bool hold = !tooLarge && (cls || (image && withImages && pending.CouldBeImage(ext, wanted)));
            byte[]? data = hold ? new byte[entry.Length] : null;
            long dataAt = counting.Count;
            try
            {
                // Unused members are read through too (not left to TarReader to skip), so that damage inside them is
                // found here and the offsets stay exact.
                if (entry.Length > 0)
                {
                    var ds = entry.DataStream ?? throw new EndOfStreamException();
                    if (data is not null) ReadFully(ds, data, cancellationToken);
                    else Drain(ds, entry.Length, cancellationToken);
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or InvalidDataException) { failure = e; }
            if (failure is not null)
                throw Damage(shardName, headerAt, counting.Count, kept, pending, $"inside member '{name}' (header at byte {headerAt}, {entry.Length} bytes from byte {dataAt})", failure);
            if (!needed) pending.Others.Add(ext);
            else pending.Members.Add(new Member(name, ext, data, entry.Length, tooLarge ? $"member {name} of {entry.Length} bytes is too large" : null));
        }
        if (pending is not null) yield return pending.ToSample(shardName, wanted);
    }

    /// <summary>The biggest GNU long name ('L', 'K') or pax header ('x', 'g') read: names and attributes are short.</summary>
    public const long MaxLongHeaderBytes = 1 << 20;

    /// <summary>The declared size of a GNU long-name or pax header block, or null for another block.</summary>
    private static long? LongHeaderSize(ReadOnlySpan<byte> block)
    {
        if (block[156] is not ((byte)'L' or (byte)'K' or (byte)'x' or (byte)'g')) return null;
        var field = block.Slice(124, 12);
        if ((field[0] & 0x80) != 0) return long.MaxValue; // base-256: far beyond any name
        long size = 0;
        foreach (var b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7') size = size * 8 + (b - '0');
            else if (b is not ((byte)' ' or 0)) break;
        }
        return size;
    }

    /// <summary>The ustar checksum rule: the octal field at 148..155 equals the sum of the block's bytes with that field
    /// taken as spaces (unsigned, or signed as some old tars wrote it).</summary>
    internal static bool ChecksumMatches(ReadOnlySpan<byte> block)
    {
        if (block.Length < 512) return true;
        var field = block.Slice(148, 8);
        long stored = 0;
        int i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0) i++;
        int digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++) stored = stored * 8 + (field[i] - '0');
        if (digits == 0) return false;
        long unsigned = 0, signed = 0;
        for (int k = 0; k < 512; k++)
        {
            byte b = k is >= 148 and < 156 ? (byte)' ' : block[k];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    /// <summary>The biggest <c>.cls</c> member read (a label is a short integer).</summary>
    public const long MaxLabelBytes = 4096;

    /// <summary>Bytes read between two checks of the cancellation token.</summary>
    private const int CheckEvery = 1 << 20;

    private static void Drain(Stream s, long length, CancellationToken cancellationToken)
    {
        Span<byte> buffer = stackalloc byte[8192];
        long sinceCheck = 0;
        while (length > 0)
        {
            int n = s.Read(buffer[..(int)Math.Min(buffer.Length, length)]);
            if (n == 0) throw new EndOfStreamException();
            length -= n;
            if ((sinceCheck += n) >= CheckEvery) { cancellationToken.ThrowIfCancellationRequested(); sinceCheck = 0; }
        }
    }

    private static void ReadFully(Stream s, byte[] data, CancellationToken cancellationToken)
    {
        for (int done = 0; done < data.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            s.ReadExactly(data, done, Math.Min(CheckEvery, data.Length - done));
            done += Math.Min(CheckEvery, data.Length - done);
        }
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

    private sealed record Member(string Name, string Ext, byte[]? Data, long Length, string? Problem);

    private sealed class Group(string key, long offset)
    {
        public string Key { get; } = key;
        public long Offset { get; } = offset;
        public List<Member> Members { get; } = [];
        public List<string> Others { get; } = [];

        /// <summary>The sample's kinds of member (extensions, in lower case).</summary>
        public HashSet<string> Extensions() =>
            Members.Select(m => m.Ext).Concat(Others).Select(e => e.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

        /// <summary>Whether an image member with this extension, arriving now, can be the one <see cref="ToSample"/>
        /// chooses: the --image-ext one, else the first image or the first with a plain extension (when one image
        /// held so far has a compound extension such as "seg.png"). At most one image member is held per sample.</summary>
        public bool CouldBeImage(string ext, string? wanted)
        {
            if (wanted is not null)
                return ext.Equals(wanted, StringComparison.OrdinalIgnoreCase) && !Members.Any(m => m.Ext.Equals(wanted, StringComparison.OrdinalIgnoreCase));
            var images = Members.Where(m => IsImageExtension(m.Ext)).ToList();
            if (images.Count == 0) return true;
            // A second image: only the sample's one image with a plain extension can still be chosen.
            for (int i = 0; i < Members.Count; i++)
                if (Members[i].Data is not null && IsImageExtension(Members[i].Ext) && Members[i].Ext.Contains('.'))
                    Members[i] = Members[i] with { Data = null };
            return !ext.Contains('.') && !images.Any(m => !m.Ext.Contains('.'));
        }

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
            return new TarSample(shard, Key, label, problem is null ? image?.Data : null, image?.Name, problem, Offset, image?.Length ?? -1);
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
        private readonly byte[] _block = new byte[512];
        private long _captureAt = -1;
        /// <summary>How many bytes of the block at the capture offset have been read through so far.</summary>
        public int CapturedLength { get; private set; }
        public bool CapturedIsZero => _block.AsSpan(0, CapturedLength).IndexOfAnyExcept((byte)0) < 0;
        public ReadOnlySpan<byte> CapturedBlock => _block.AsSpan(0, CapturedLength);

        /// <summary>Keeps a copy of the 512 bytes at <paramref name="offset"/> (a header's) as they are read.</summary>
        public void CaptureBlockAt(long offset)
        {
            _captureAt = offset;
            CapturedLength = 0;
        }

        private void Seen(ReadOnlySpan<byte> bytes)
        {
            long start = Count, end = Count + bytes.Length;
            if (_captureAt < 0 || end <= _captureAt + CapturedLength || start >= _captureAt + 512) return;
            long from = Math.Max(start, _captureAt + CapturedLength);
            long to = Math.Min(end, _captureAt + 512);
            if (from > to) return;
            bytes[(int)(from - start)..(int)(to - start)].CopyTo(_block.AsSpan((int)(from - _captureAt)));
            CapturedLength = (int)(to - _captureAt);
            // A header block is whole: a long name or pax header that declares more than a name needs is refused before
            // TarReader reads it into memory (thrown from here, inside TarReader, it becomes damage at this header).
            if (CapturedLength == 512 && LongHeaderSize(_block) is { } size && size > MaxLongHeaderBytes)
                throw new InvalidDataException($"a long-name or pax header declares {size} bytes (at most {MaxLongHeaderBytes} are read)");
        }
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
            Seen(buffer[..n]);
            Count += n;
            return n;
        }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Seen(buffer.Span[..n]);
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
