using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using Scat.Input;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// The plan of a <c>--part-size</c> run (issue 14): the part files, the manifest, and with <c>--resume</c> which
/// listing ranges are already covered by good parts. Positions are those of the run's listing (the shard's
/// images with --shard): part k covers [k·N, min((k+1)·N, count)).
/// </summary>
public sealed class PartedOutput : IDisposable
{
    /// <summary>The placeholder of the part number in the output name, zero-padded to 5 digits.</summary>
    public const string Placeholder = "{part}";

    private readonly string _prefix, _suffix; // the file name around {part}
    private readonly bool[] _good;
    private OutputLock? _lock;

    public ExtractOptions Options { get; }
    public string Folder { get; }
    public string ManifestPath { get; }
    public Manifest Manifest { get; }
    public int PartSize { get; }
    /// <summary>Images of the run's listing.</summary>
    public int Count { get; }
    public int PartCount => _good.Length;
    /// <summary>Listing positions to compute, ascending (those of the parts not already good).</summary>
    public IReadOnlyList<int> Pending { get; }
    /// <summary>Rows of the parts that were already good.</summary>
    public long GoodRows { get; }
    public OutputFormat Format { get; }

    private PartedOutput(ExtractOptions o, string pattern, Manifest manifest, string manifestPath, bool[] good, int count)
    {
        Options = o;
        var full = Path.GetFullPath(pattern);
        Folder = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        int at = name.IndexOf(Placeholder, StringComparison.Ordinal);
        (_prefix, _suffix) = (name[..at], name[(at + Placeholder.Length)..]);
        Manifest = manifest;
        ManifestPath = manifestPath;
        PartSize = o.PartSize!.Value;
        Count = count;
        _good = good;
        Format = FeatureWriters.FormatOf(pattern);
        var pending = new List<int>();
        for (int k = 0; k < good.Length; k++)
        {
            if (good[k]) continue;
            for (int p = k * PartSize, end = PartEnd(k); p < end; p++) pending.Add(p);
        }
        Pending = pending;
        GoodRows = manifest.Parts.Sum(p => p.Rows);
    }

    public bool IsGood(int part) => _good[part];
    public int PartEnd(int part) => (int)Math.Min((long)(part + 1) * PartSize, Count);
    public string FileName(int part) => _prefix + part.ToString("D5", CultureInfo.InvariantCulture) + _suffix;
    public string PartPath(int part) => Path.Combine(Folder, FileName(part));
    /// <summary>An NPY part's sidecar: labels, paths and metadata as NPZ ("part-00003.npy" → "part-00003.meta.npz").</summary>
    public string? SidecarPath(int part) => SidecarName(part) is { } name ? Path.Combine(Folder, name) : null;
    private string? SidecarName(int part) =>
        Format == OutputFormat.Npy ? Path.GetFileNameWithoutExtension(FileName(part)) + SidecarSuffix : null;

    private const string SidecarSuffix = ".meta.npz";

    /// <summary>The manifest of a run: MANIFEST.json beside the parts, MANIFEST-SHARD.json with --shard.</summary>
    public static string ManifestPathOf(ExtractOptions o) =>
        Path.Combine(FolderOf(o), o.Shard is null ? "MANIFEST.json" : $"MANIFEST-{o.Shard.Label}.json");

    private static string FolderOf(ExtractOptions o) => Path.GetDirectoryName(Path.GetFullPath(Shard.FillName(o.Output, o.Shard)))!;

    /// <summary>
    /// The names of the run's own files in its folder: its parts and their sidecars, whatever their number
    /// (prefix, five digits or more, suffix), and its manifest. Only these are ever removed (issue 22).
    /// </summary>
    private static Regex OwnNames(ExtractOptions o) => new("^(" + OwnNamePattern(o) + ")$", RegexOptions.CultureInvariant);

    private static string OwnNamePattern(ExtractOptions o)
    {
        var name = Path.GetFileName(Shard.FillName(o.Output, o.Shard));
        int at = name.IndexOf(Placeholder, StringComparison.Ordinal);
        string prefix = name[..at], suffix = name[(at + Placeholder.Length)..];
        string sidecar = FeatureWriters.FormatOf(name) == OutputFormat.Npy ? "|" + Regex.Escape(Path.GetFileNameWithoutExtension(suffix) + SidecarSuffix) : "";
        return Regex.Escape(prefix) + "[0-9]{5,}(" + Regex.Escape(suffix) + sidecar + ")|" + Regex.Escape(Path.GetFileName(ManifestPathOf(o)));
    }

    /// <summary>Whether <paramref name="path"/> is one of the files the run writes: a part, a sidecar or the manifest.</summary>
    public static bool IsOwnFile(ExtractOptions o, string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path)) == FolderOf(o) && OwnNames(o).IsMatch(Path.GetFileName(path));

    /// <summary>The run's own files (parts, sidecars, manifest) that exist now in its folder.</summary>
    public static IReadOnlyList<string> ExistingFiles(ExtractOptions o)
    {
        var folder = FolderOf(o);
        if (!Directory.Exists(folder)) return [];
        var own = OwnNames(o);
        return Directory.EnumerateFileSystemEntries(folder).Where(f => own.IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Plans the run: takes the folder's lock (<see cref="OutputLock"/>, held until <see cref="Dispose"/>), removes
    /// stale temporary files of earlier runs, reads and checks the manifest with --resume (refusing with one line
    /// naming what differs), verifies the listed parts, removes the run's own part files that its manifest does not
    /// list (an earlier run's, which the glob of the parts would otherwise return), and writes the manifest.
    /// </summary>
    /// <param name="listing">The whole input listing (fingerprinted).</param>
    /// <param name="shardFirst">The first position of the run's images in <paramref name="listing"/>.</param>
    /// <param name="count">The run's images.</param>
    /// <param name="cancellationToken">Stops the hashing of the parts --resume verifies.</param>
    public static PartedOutput Open(ExtractOptions o, ImageListing listing, int shardFirst, int count, TextWriter stderr,
        CancellationToken cancellationToken = default)
    {
        string manifestPath = ManifestPathOf(o);
        var held = OutputLock.Acquire(manifestPath, notice => { if (!o.Quiet) stderr.WriteLine(notice); });
        try
        {
            var plan = Open(o, listing, shardFirst, count, stderr, manifestPath, cancellationToken);
            plan._lock = held;
            return plan;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static PartedOutput Open(ExtractOptions o, ImageListing listing, int shardFirst, int count, TextWriter stderr,
        string manifestPath, CancellationToken cancellationToken)
    {
        string pattern = Shard.FillName(o.Output, o.Shard);
        var folder = FolderOf(o);
        int partSize = o.PartSize!.Value;
        int parts = (int)((count + (long)partSize - 1) / partSize);

        var fresh = new Manifest
        {
            Options = OptionsOf(o),
            Inputs = o.FilesFrom is null ? o.Inputs.ToList() : ["--files-from", o.FilesFrom],
            Listing = Fingerprint(listing, o.FilesFrom is null ? InputPatterns.Expand(o.Inputs) : []),
            ShardFirst = shardFirst,
            ShardEnd = shardFirst + count,
            PartSize = partSize,
            PartCount = parts,
        };
        var good = new bool[parts];
        int stale = RemoveStaleTemporaries(o);
        if (stale > 0 && !o.Quiet) stderr.WriteLine($"removed {stale} stale temporary file{(stale == 1 ? "" : "s")} of an interrupted run in {folder}");

        Manifest manifest = fresh;
        if (o.Resume && File.Exists(manifestPath))
        {
            Manifest old;
            try
            {
                old = Manifest.Read(manifestPath, folder);
            }
            catch (ScatException e)
            {
                throw Refused(e.Message, e);
            }
            if (Difference(old, fresh) is { } why)
                throw Refused($"{why} ({manifestPath})");
            var planned = new PartedOutput(o, pattern, fresh, manifestPath, good, count);
            var (kept, bad) = CheckParts(old, folder, partSize, count, shardFirst,
                p => (planned.FileName(p.Index), planned.SidecarName(p.Index)), cancellationToken);
            foreach (var p in kept) good[p.Index] = true;
            if (!o.Quiet)
                foreach (var (p, problem) in bad) stderr.WriteLine($"part {p.Index} ({planned.FileName(p.Index)}) {problem}: redoing it");
            manifest = fresh with { Parts = kept, FeatureShape = old.FeatureShape };
            if (!o.Quiet)
                stderr.WriteLine($"resuming: {kept.Count} of {parts} parts are done, {parts - kept.Count} to compute");
        }
        else if (o.Resume && !o.Quiet) stderr.WriteLine($"no manifest {manifestPath}: starting from the beginning");
        int removed = RemoveUnlisted(o, manifest, manifestPath);
        if (removed > 0 && !o.Quiet)
            stderr.WriteLine($"removed {removed} part file{(removed == 1 ? "" : "s")} in {folder} that {Path.GetFileName(manifestPath)} does not list");
        manifest.Write(manifestPath);
        return new PartedOutput(o, pattern, manifest, manifestPath, good, count);
    }

    private static ScatException Refused(string why, Exception? inner = null) =>
        new($"--resume refused: {why}; no part was touched: rerun without --resume to start over", inner);

    /// <summary>The options that shape the features (<see cref="FeatureShaping"/> on <see cref="ExtractOptions"/>), as text.</summary>
    private static SortedDictionary<string, string> OptionsOf(ExtractOptions o) => new(FeatureShaping.Of(o).ToDictionary(), StringComparer.Ordinal);

    /// <summary>What differs between the manifest and this run, in words, or null.</summary>
    private static string? Difference(Manifest old, Manifest now)
    {
        // Features may change between versions in their last bits (0.2.0's filter bank did): parts of two versions
        // would not be the bytes of one run.
        if (old.ScatVersion != now.ScatVersion)
            return $"the run was started by scat {old.ScatVersion} and this is scat {now.ScatVersion}, whose features may differ in the last bits";
        foreach (var (key, value) in now.Options)
        {
            var was = old.Options.TryGetValue(key, out var v) ? v : "(absent)";
            if (was != value) return $"option {key} is {value} now but {was} in the manifest";
        }
        foreach (var key in old.Options.Keys.Where(k => !now.Options.ContainsKey(k)))
            return $"option {key} is absent now but {old.Options[key]} in the manifest";
        if (old.PartSize != now.PartSize)
            return string.Create(CultureInfo.InvariantCulture, $"the part size is {now.PartSize} now but {old.PartSize} in the manifest");
        if (!old.Inputs.SequenceEqual(now.Inputs))
            return $"the inputs are {string.Join(" ", now.Inputs)} now but {string.Join(" ", old.Inputs)} in the manifest";
        if (old.Listing.Count != now.Listing.Count)
            return $"the input listing has {now.Listing.Count} images now but {old.Listing.Count} in the manifest";
        if (old.Listing.Xxh128 != now.Listing.Xxh128)
            return $"the input listing's names, sizes or modification times differ from the manifest's (same {now.Listing.Count} images)";
        if (old.PartCount != now.PartCount)
            return string.Create(CultureInfo.InvariantCulture, $"the run has {now.PartCount} parts now but {old.PartCount} in the manifest");
        return null;
    }

    /// <summary>
    /// The parts of a manifest (read by <see cref="Manifest.Read"/>) that are good, and the others with what is wrong:
    /// what --resume keeps and redoes, and what scat info counts. A good part has the expected names, its file and
    /// sidecar are present with the recorded size and checksum, and its rows, read from the file, fit its range. Ranges
    /// come from the plan and rows from the part file itself, never from the manifest.
    /// </summary>
    /// <param name="partSize">Images per part, and <paramref name="count"/> the run's images: part k covers
    /// [k·partSize, min((k+1)·partSize, count)), <paramref name="shardFirst"/> onwards in the whole listing.</param>
    /// <param name="names">The file and sidecar names part k must have (this run's, with --resume).</param>
    public static (List<ManifestPart> Good, List<(ManifestPart Part, string Problem)> Bad) CheckParts(Manifest manifest, string folder,
        int partSize, long count, long shardFirst, Func<ManifestPart, (string File, string? Sidecar)> names, CancellationToken cancellationToken)
    {
        var good = new List<ManifestPart>();
        var bad = new List<(ManifestPart, string)>();
        foreach (var p in manifest.Parts.OrderBy(p => p.Index))
        {
            long first = p.Index * (long)partSize, end = Math.Min(first + partSize, count);
            if (first >= count) continue;
            var (name, sidecar) = names(p);
            var file = Path.Combine(folder, name);
            long rows = -1;
            var problem = p.File != name || p.Sidecar != sidecar
                    ? $"is recorded as {p.File}{(p.Sidecar is null ? "" : " with " + p.Sidecar)}, not this run's file names"
                : Verify(file, p.Bytes, p.Xxh128, cancellationToken)
                  ?? (p.Sidecar is null ? null
                      : Verify(Path.Combine(folder, p.Sidecar), p.SidecarBytes!.Value, p.SidecarXxh128!, cancellationToken) is { } wrong
                          ? $"has a sidecar {p.Sidecar} that {wrong}" : null)
                  ?? RowsProblem(file, end - first, out rows);
            if (problem is null)
                good.Add(p with { First = shardFirst + first, End = shardFirst + end, Rows = rows, Skipped = end - first - rows });
            else bad.Add((p, problem));
        }
        return (good, bad);
    }

    /// <summary>What a parts folder holds, for scat info: each manifest read and its parts checked as --resume does.</summary>
    /// <param name="path">A MANIFEST*.json, or the folder holding one or more (one per shard).</param>
    public static IReadOnlyList<PartsInfo> Inspect(string path)
    {
        IEnumerable<string> manifests = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "MANIFEST*.json").Order(StringComparer.Ordinal).ToList()
            : File.Exists(path) ? [path] : throw new ScatException($"file not found: {path}");
        var infos = new List<PartsInfo>();
        foreach (var file in manifests)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
            var m = Manifest.Read(file, folder);
            var (good, bad) = CheckParts(m, folder, m.PartSize, m.ShardEnd - m.ShardFirst, m.ShardFirst, p => (p.File, p.Sidecar), CancellationToken.None);
            infos.Add(new PartsInfo(file, m, good, bad));
        }
        return infos.Count > 0 ? infos : throw new ScatException($"no MANIFEST.json in {path}: not a folder of --part-size parts");
    }

    /// <summary>Why a listed file is not good, or null. Only a regular file of the recorded size is hashed (never a link,
    /// a device or a pipe), so hashing reads at most the recorded bytes.</summary>
    private static string? Verify(string path, long bytes, string checksum, CancellationToken cancellationToken)
    {
        if (Manifest.Problem(path, long.MaxValue) is { } problem) return problem;
        long size = new FileInfo(path).Length;
        if (size != bytes) return string.Create(CultureInfo.InvariantCulture, $"has {size} bytes instead of {bytes}");
        if (!string.Equals(PartChecksum.OfFile(path, cancellationToken), checksum, StringComparison.OrdinalIgnoreCase)) return "has a wrong checksum";
        return null;
    }

    /// <summary>Reads a verified part's row count from the file (the manifest's is not trusted); why it is not usable, or null.</summary>
    private static string? RowsProblem(string path, long images, out long rows)
    {
        rows = -1;
        try
        {
            rows = FeatureFileInfo.Read(path).Rows;
        }
        catch (ScatException e)
        {
            return $"cannot be read back ({e.Message})";
        }
        return rows < 0 || rows > images ? $"holds {rows} rows, not at most the {images} images of its range" : null;
    }

    /// <summary>Deletes the run's own part files and sidecars that <paramref name="manifest"/> does not list (a fresh run
    /// lists none): they are an earlier run's, and would be read as this run's. Returns how many.</summary>
    private static int RemoveUnlisted(ExtractOptions o, Manifest manifest, string manifestPath)
    {
        var listed = manifest.Parts.SelectMany(p => new[] { p.File, p.Sidecar }).OfType<string>().Append(Path.GetFileName(manifestPath))
            .ToHashSet(StringComparer.Ordinal);
        int removed = 0;
        foreach (var file in ExistingFiles(o).Where(f => !listed.Contains(Path.GetFileName(f))))
        {
            if (Directory.Exists(file)) throw new ScatException($"{file} is a folder where the run writes a part: remove or rename it");
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => Interlocked.Exchange(ref _lock, null)?.Dispose();

    /// <summary>Count plus XXH128 of every image's key, class, size and mtime, in listing order.</summary>
    /// <param name="containers">The inputs as expanded: the size and time of each that is a file (a tar shard, a
    /// Parquet table, an array) count too, since their items are not files of their own.</param>
    public static ListingFingerprint Fingerprint(ImageListing listing, IReadOnlyList<string>? containers = null)
    {
        var hash = new XxHash128();
        var buffer = new byte[8];
        void Long(long v) { System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer, v); hash.Append(buffer); }
        foreach (var file in containers ?? [])
        {
            var info = new FileInfo(file);
            if (!info.Exists) continue;
            hash.Append(Encoding.UTF8.GetBytes(file));
            hash.Append([0]);
            Long(info.Length);
            Long(info.LastWriteTimeUtc.Ticks);
        }
        hash.Append([2]);
        foreach (var c in listing.Classes) { hash.Append(Encoding.UTF8.GetBytes(c)); hash.Append([0]); }
        hash.Append([1]);
        foreach (var item in listing.Items)
        {
            hash.Append(Encoding.UTF8.GetBytes(item.Path));
            hash.Append([0]);
            Long(item.Label);
            var info = new FileInfo(item.FullPath);
            bool exists = info.Exists;
            Long(exists ? info.Length : -1);
            Long(exists ? info.LastWriteTimeUtc.Ticks : -1);
        }
        return new ListingFingerprint { Count = listing.Items.Count, Xxh128 = Convert.ToHexStringLower(hash.GetCurrentHash()) };
    }

    /// <summary>
    /// Deletes the temporary files (".NAME.tmp-XXXX", ".NAME.features-XXXX") that a killed run left for this run's
    /// parts, sidecars and manifest. They are hidden files and never match the part names, so they are never
    /// counted as parts; other runs' files are left alone.
    /// </summary>
    private static int RemoveStaleTemporaries(ExtractOptions o)
    {
        var folder = FolderOf(o);
        if (!Directory.Exists(folder)) return 0;
        var temporary = new Regex("^\\.(" + OwnNamePattern(o) + ")\\.(tmp|features)-[A-Za-z0-9]+$", RegexOptions.CultureInvariant);
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*").Where(f => temporary.IsMatch(Path.GetFileName(f))))
        {
            try { File.Delete(file); removed++; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>Records a finished part and rewrites the manifest (atomically).</summary>
    internal void Finished(ManifestPart part)
    {
        Manifest.Parts.RemoveAll(p => p.Index == part.Index);
        Manifest.Parts.Add(part);
        Manifest.Parts.Sort((a, b) => a.Index.CompareTo(b.Index));
        _good[part.Index] = true;
        Manifest.Write(ManifestPath);
    }

    internal void SetFeatureShape(long[] imageShape)
    {
        if (Manifest.FeatureShape is { } known && !known.SequenceEqual(imageShape))
            throw new ScatException($"--resume refused: the features are ({string.Join(", ", imageShape)}) per image, the finished parts hold ({string.Join(", ", known)}) (see {ManifestPath})");
        Manifest.FeatureShape = imageShape.ToList();
    }

    /// <summary>What an interrupted run says: how many parts are finished and kept.</summary>
    internal PartsKeptException Interrupted(Exception cause)
    {
        int done = Manifest.Parts.Count;
        return new PartsKeptException(
            $"interrupted; {done} finished part{(done == 1 ? "" : "s")} of {PartCount} kept ({ManifestPath}): rerun with --resume to finish", cause);
    }

    internal void MarkComplete()
    {
        Manifest.Complete = true;
        Manifest.Write(ManifestPath);
    }

    public long GlobalPosition(int position) => Manifest.ShardFirst + position;
}

/// <summary>A manifest as scat info shows it: the parts that are done (good) and those that are not.</summary>
public sealed record PartsInfo(string Path, Manifest Manifest, IReadOnlyList<ManifestPart> Good, IReadOnlyList<(ManifestPart Part, string Problem)> Bad)
{
    /// <summary>Rows of the good parts.</summary>
    public long Rows => Good.Sum(p => p.Rows);
    /// <summary>Bytes of the good parts and their sidecars.</summary>
    public long Bytes => Good.Sum(p => p.Bytes + (p.SidecarBytes ?? 0));
}

/// <summary>The end of a run interrupted with finished parts in place: its message says what was kept.</summary>
public sealed class PartsKeptException(string message, Exception inner) : OperationCanceledException(message, inner);
