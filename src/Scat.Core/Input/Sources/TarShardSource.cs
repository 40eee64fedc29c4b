using System.IO.Compression;
using Scat.Input.Containers;
using Scat.Input.Decoding;

namespace Scat.Input;

/// <summary>
/// WebDataset tar shards (<c>.tar</c>, <c>.tar.gz</c>/<c>.tgz</c>, or <c>-</c>: one tar on standard input), read
/// sequentially, never unpacked. <see cref="List"/> reads every shard once to list its samples (keys and labels; the
/// image bytes are dropped as it goes); <see cref="Open"/> reads a shard again forward, through a
/// <see cref="SequentialCursor{T}"/>, so the decode workers get their images in listing order with a small look-ahead
/// and memory stays bounded whatever the shards' size. Standard input cannot be read twice: it is copied to a
/// temporary file (deleted on close) while it is listed.
/// </summary>
/// <remarks>
/// A sample without an image (or with a bad <c>.cls</c>) is listed and skipped when opened, with its reason. Damage in
/// a shard (truncated, corrupt header) becomes one listed item after the samples kept before it, named by the shard,
/// whose reason is the damage line with its byte offset: it is reported (or fails the run under --strict) at its
/// place in the listing, and the run goes on with the next shard.
/// </remarks>
/// <param name="shards">The shard files (after brace and glob expansion), in order.</param>
/// <param name="imageExtension">--image-ext: which member is the image when a sample has several.</param>
/// <param name="standardInput">Opens standard input (for "-"); the process's by default.</param>
public sealed class TarShardSource(IReadOnlyList<string> shards, string? imageExtension, Func<Stream>? standardInput = null)
    : InMemoryImageSource, IImageSource, IDisposable
{
    /// <summary>Look-ahead a shard reader may hold (samples read past but not yet asked for).</summary>
    private const long LookAheadBytes = 64L << 20;
    /// <summary>Shard readers kept open at once (the decode stage works on at most two batches).</summary>
    private const int OpenReaders = 2;

    /// <summary>Where each listed item is, and what the listing saw there (the decode pass checks it again).</summary>
    private readonly Dictionary<ImageItem, (int Shard, long Sample, string? Problem, string? Key, long ImageLength)> _where = new(ReferenceEqualityComparer.Instance);
    /// <summary>Each shard file's length and time when listed (null for standard input's copy, which is ours).</summary>
    private readonly List<(long Length, DateTime Time)?> _listed = [];
    private readonly List<SequentialCursor<TarSample>?> _cursors = [];
    private readonly List<int> _recent = [];
    private readonly object _gate = new();
    private readonly object _spoolGate = new(); // its own: a cursor's reader may spool while another thread holds _gate
    private string? _spool; // standard input's copy

    /// <summary>Stops the listing pass (which reads every shard) at an interrupt.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>The shards given are this run's part of the input (--shard picked whole shards).</summary>
    public bool Sharded { get; init; }

    public override ImageListing List()
    {
        var items = new List<ImageItem>();
        for (int s = 0; s < shards.Count; s++)
        {
            _cursors.Add(null);
            string shard = shards[s];
            if (shard != "-" && !File.Exists(shard)) throw new ScatException($"input not found: {shard}");
            _listed.Add(shard == "-" ? null : Stamp(shard));
            long sample = 0;
            try
            {
                using var stream = OpenShard(s);
                // Keys and positions only: no image member is held while listing.
                foreach (var t in TarShardReader.ReadSamples(stream, shard, imageExtension, withImages: false, Cancellation))
                {
                    Cancellation.ThrowIfCancellationRequested();
                    var item = new ImageItem(t.Path, t.Path, t.Label);
                    _where[item] = (s, sample++, t.Problem, t.Key, t.ImageLength);
                    items.Add(item);
                }
            }
            catch (TarDamageException e)
            {
                var item = new ImageItem(shard, shard, -1);
                string reason = e.Message.StartsWith(shard + ": ", StringComparison.Ordinal) ? e.Message[(shard.Length + 2)..] : e.Message;
                _where[item] = (s, -1, reason, null, -1);
                items.Add(item);
            }
            catch (InvalidDataException e) // a corrupt gzip stream
            {
                var item = new ImageItem(shard, shard, -1);
                _where[item] = (s, -1, $"corrupt compressed stream ({Messages.FirstClause(e.Message)}); {sample} sample{(sample == 1 ? "" : "s")} before it kept", null, -1);
                items.Add(item);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Messages.CannotRead(shard, e);
            }
        }
        if (items.Count == 0) throw new ScatException($"no samples found in {string.Join(" ", shards)}");
        return new ImageListing([], items);
    }

    /// <summary>The image bytes of a listed sample; <see cref="ImageDecodeException"/> for a sample that has none or a damaged shard.</summary>
    protected override byte[] Bytes(ImageItem item)
    {
        var (shard, sample, problem, key, length) = _where[item];
        if (problem is not null) throw new ImageDecodeException(problem);
        TarSample t;
        try
        {
            t = Cursor(shard).Take(sample);
        }
        catch (Exception e) when (e is TarDamageException or IOException or InvalidDataException)
        {
            throw new ImageDecodeException($"the shard could not be read again ({Messages.FirstClause(e.Message)})", e);
        }
        // The second pass verifies the first: another sample at this position means the shard changed between them.
        if (t.Key != key || t.ImageLength != length)
            throw Changed(shard, $"sample {sample} is now '{t.Key}' ({t.ImageLength} bytes of image), listed as '{key}' ({length} bytes)");
        return t.Image ?? throw new ImageDecodeException(t.Problem ?? "no image member");
    }

    private static (long Length, DateTime Time) Stamp(string path)
    {
        var info = new FileInfo(path);
        return (info.Length, info.LastWriteTimeUtc);
    }

    /// <summary>A shard that changed between the listing and the decode pass fails the run (its samples could be paired
    /// with other samples' keys and labels).</summary>
    private ScatException Changed(int shard, string how) =>
        new($"{shards[shard]}: the shard changed while it was read ({how}); run again on a shard that is not being written");

    private SequentialCursor<TarSample> Cursor(int shard)
    {
        lock (_gate)
        {
            var cursor = _cursors[shard] ??= new SequentialCursor<TarSample>(
                _ => (0, Read(shard).GetEnumerator()), t => t.Image?.Length ?? 0, LookAheadBytes);
            _recent.Remove(shard);
            _recent.Add(shard);
            while (_recent.Count > OpenReaders)
            {
                // Closed, not forgotten: asked again, a cursor reopens its shard.
                _cursors[_recent[0]]?.Dispose();
                _recent.RemoveAt(0);
            }
            return cursor;
        }
    }

    private IEnumerable<TarSample> Read(int shard)
    {
        if (_listed[shard] is { } listed && Stamp(shards[shard]) is var now && now != listed)
            throw Changed(shard, $"{now.Length} bytes modified {now.Time:O}, listed as {listed.Length} bytes modified {listed.Time:O}");
        using var stream = OpenShard(shard);
        foreach (var t in TarShardReader.ReadSamples(stream, shards[shard], imageExtension)) yield return t;
    }

    private Stream OpenShard(int shard)
    {
        string name = shards[shard];
        string path = name == "-" ? Spool() : name;
        Stream raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        bool gz = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)
                  || (name == "-" && IsGzip(raw));
        return gz ? new GZipStream(raw, CompressionMode.Decompress) : raw;
    }

    private static bool IsGzip(Stream s)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = s.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        s.Position = 0;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>Standard input copied once to a temporary file (it is listed, then read again by the decode workers).</summary>
    private string Spool()
    {
        lock (_spoolGate)
        {
            if (_spool is not null) return _spool;
            string path = Path.Combine(Path.GetTempPath(), $"scat-stdin-{Environment.ProcessId}-{Guid.NewGuid():N}.tar");
            _spool = path; // deleted on dispose, even when the copy is interrupted
            // The copy waits on the pipe; the run waits on the copy and the interrupt, so that a signal is honoured while
            // the pipe is silent (the blocked read is left to end with the process).
            var copying = Task.Run(() =>
            {
                using var input = (standardInput ?? Console.OpenStandardInput)();
                using var copy = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                var buffer = new byte[1 << 20];
                for (int n; (n = input.Read(buffer)) > 0;)
                {
                    Cancellation.ThrowIfCancellationRequested();
                    copy.Write(buffer, 0, n);
                }
            });
            try
            {
                copying.Wait(Cancellation);
            }
            catch (AggregateException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            }
            return path;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var c in _cursors) c?.Dispose();
        }
        lock (_spoolGate)
        {
            if (_spool is not null) { try { File.Delete(_spool); } catch (IOException) { } _spool = null; }
        }
    }
}
