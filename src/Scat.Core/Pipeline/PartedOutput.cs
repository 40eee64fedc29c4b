using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// The plan of a <c>--part-size</c> run (issue 14): the part files, the manifest, and with <c>--resume</c> which
/// listing ranges are already covered by good parts. Positions are those of the run's listing (the shard's
/// images with --shard): part k covers [k·N, min((k+1)·N, count)).
/// </summary>
public sealed class PartedOutput
{
    /// <summary>The placeholder of the part number in the output name, zero-padded to 5 digits.</summary>
    public const string Placeholder = "{part}";

    private readonly string _prefix, _suffix; // the file name around {part}
    private readonly bool[] _good;

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
    public string? SidecarPath(int part) =>
        Format == OutputFormat.Npy ? Path.Combine(Folder, Path.GetFileNameWithoutExtension(FileName(part)) + ".meta.npz") : null;

    /// <summary>Checks the part options that need no file (called from ExtractPipeline.Validate).</summary>
    public static void Validate(ExtractOptions o)
    {
        if (o.DType == FeatureDType.Float16 && o.Output != FeatureWriters.StandardOutput
            && FeatureWriters.FormatOf(o.Output) == OutputFormat.Parquet)
            throw new ScatUsageException(
                "--dtype float16 is not available for a .parquet output (Parquet.Net 6.1 cannot write Parquet's FLOAT16 type): use .npy or .npz, or --dtype float32");
        bool hasPart = o.Output.Contains(Placeholder, StringComparison.Ordinal);
        if (o.PartSize is null)
        {
            if (hasPart) throw new ScatUsageException($"the output name contains {Placeholder} but no --part-size is given");
            if (o.Resume) throw new ScatUsageException("--resume goes with --part-size");
            return;
        }
        if (o.PartSize < 1) throw new ScatUsageException($"--part-size must be at least 1, got {o.PartSize}");
        if (o.Resume && o.Inputs.Contains("-"))
            throw new ScatUsageException("--resume cannot check a tar read from standard input (-): give the shard files");
        if (o.Output == FeatureWriters.StandardOutput) throw new ScatUsageException("--part-size writes files: it cannot write to standard output (-o -)");
        if (!Path.GetFileName(o.Output).Contains(Placeholder, StringComparison.Ordinal))
            throw new ScatUsageException($"--part-size needs {Placeholder} in the output file name, e.g. -o 'feats/part-{Placeholder}.parquet'");
        if (Path.GetFileName(o.Output).IndexOf(Placeholder, StringComparison.Ordinal) != Path.GetFileName(o.Output).LastIndexOf(Placeholder, StringComparison.Ordinal))
            throw new ScatUsageException($"the output name holds {Placeholder} more than once");
        if (o.Shard is not null && !o.Output.Contains(Shard.Placeholder, StringComparison.Ordinal))
            throw new ScatUsageException($"--part-size with --shard needs {Shard.Placeholder} in the output name, so that shards do not write the same parts");
    }

    /// <summary>
    /// Plans the run: removes stale temporary files of earlier runs, reads and checks the manifest with --resume
    /// (refusing with one line naming what differs), verifies the listed parts, and writes the manifest.
    /// </summary>
    /// <param name="listing">The whole input listing (fingerprinted).</param>
    /// <param name="shardFirst">The first position of the run's images in <paramref name="listing"/>.</param>
    /// <param name="count">The run's images.</param>
    public static PartedOutput Open(ExtractOptions o, ImageListing listing, int shardFirst, int count, TextWriter stderr)
    {
        string pattern = Shard.FillName(o.Output, o.Shard);
        var folder = Path.GetDirectoryName(Path.GetFullPath(pattern))!;
        string manifestPath = Path.Combine(folder, o.Shard is null ? "MANIFEST.json" : $"MANIFEST-{o.Shard.Label}.json");
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
        int stale = RemoveStaleTemporaries(folder, pattern, manifestPath);
        if (stale > 0 && !o.Quiet) stderr.WriteLine($"removed {stale} stale temporary file{(stale == 1 ? "" : "s")} of an interrupted run in {folder}");

        Manifest manifest = fresh;
        if (o.Resume && File.Exists(manifestPath))
        {
            var old = Manifest.Read(manifestPath);
            if (Difference(old, fresh) is { } why)
                throw new ScatException($"--resume refused: {why} ({manifestPath}); no part was touched: rerun without --resume to start over");
            var kept = new List<ManifestPart>();
            var planned = new PartedOutput(o, pattern, fresh, manifestPath, good, count);
            foreach (var p in old.Parts.OrderBy(p => p.Index))
            {
                if (p.Index < 0 || p.Index >= parts || good[p.Index] || p.File != planned.FileName(p.Index)) continue;
                var problem = Verify(Path.Combine(folder, p.File), p.Bytes, p.Xxh128)
                              ?? (p.Sidecar is null ? null : Verify(Path.Combine(folder, p.Sidecar), p.SidecarBytes ?? -1, p.SidecarXxh128 ?? ""));
                if (problem is null) { good[p.Index] = true; kept.Add(p); }
                else if (!o.Quiet) stderr.WriteLine($"part {p.Index} ({p.File}) {problem}: redoing it");
            }
            manifest = fresh with { Parts = kept, FeatureShape = old.FeatureShape };
            if (!o.Quiet)
                stderr.WriteLine($"resuming: {kept.Count} of {parts} parts are done, {parts - kept.Count} to compute");
        }
        else
        {
            if (o.Resume && !o.Quiet) stderr.WriteLine($"no manifest {manifestPath}: starting from the beginning");
            if (!o.Resume && o.NoClobber && File.Exists(manifestPath))
                throw new ScatException($"{manifestPath} exists; not replaced (--no-clobber)");
        }
        manifest.Write(manifestPath);
        return new PartedOutput(o, pattern, manifest, manifestPath, good, count);
    }

    /// <summary>The options that shape the features (or the parts' bytes and numbering), as text.</summary>
    private static SortedDictionary<string, string> OptionsOf(ExtractOptions o) => new(StringComparer.Ordinal)
    {
        ["output"] = Path.GetFileName(Shard.FillName(o.Output, o.Shard)), // the folder is where the manifest is
        ["part_size"] = o.PartSize!.Value.ToString(CultureInfo.InvariantCulture),
        ["shard"] = o.Shard?.ToString() ?? "none",
        ["J"] = o.J.ToString(CultureInfo.InvariantCulture),
        ["L"] = o.L.ToString(CultureInfo.InvariantCulture),
        ["order"] = o.Order.ToString(CultureInfo.InvariantCulture),
        ["color"] = o.Color.ToString().ToLowerInvariant(),
        ["size"] = o.Resize is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r.Height}x{r.Width} {r.Fit}").ToLowerInvariant() : "none",
        ["pool"] = o.Pool.ToString().ToLowerInvariant(),
        ["tile"] = o.Tiling is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t.Height}x{t.Width}") : "none",
        ["tile_stride"] = o.Tiling is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.StrideY}x{s.StrideX}") : "none",
        ["dtype"] = FeatureDTypes.Name(o.DType),
        ["compression"] = FeatureWriters.FormatOf(o.Output) == OutputFormat.Parquet
            ? ParquetFeatureWriter.CompressionName(o.Compression ?? ParquetCompression.Zstd) : "none",
        ["max_pixels"] = o.MaxPixels.ToString(CultureInfo.InvariantCulture),
        ["strict"] = o.Strict ? "true" : "false",
        ["classes_from_parent"] = o.ClassesFromParent ? "true" : "false",
        ["decode"] = o.Decode == DecodeMode.Exact ? "exact" : "scaled",
        ["padding"] = PadIndex.Name(o.Coefficients.Padding),
        ["renorm"] = o.Coefficients.Renorm ? "true" : "false",
        ["rotation_invariant"] = o.Coefficients.RotationInvariant ? "true" : "false",
        ["log"] = o.Coefficients.Log ? "true" : "false",
        ["limit"] = o.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none",
        ["image_ext"] = o.ImageExtension ?? "none",
        ["image_column"] = o.ImageColumn ?? "none",
        ["label_column"] = o.LabelColumn ?? "none",
        ["array_key"] = o.ArrayKey ?? "none",
    };

    /// <summary>What differs between the manifest and this run, in words, or null.</summary>
    private static string? Difference(Manifest old, Manifest now)
    {
        foreach (var (key, value) in now.Options)
        {
            var was = old.Options.TryGetValue(key, out var v) ? v : "(absent)";
            if (was != value) return $"option {key} is {value} now but {was} in the manifest";
        }
        foreach (var key in old.Options.Keys.Where(k => !now.Options.ContainsKey(k)))
            return $"option {key} is absent now but {old.Options[key]} in the manifest";
        if (!old.Inputs.SequenceEqual(now.Inputs))
            return $"the inputs are {string.Join(" ", now.Inputs)} now but {string.Join(" ", old.Inputs)} in the manifest";
        if (old.Listing.Count != now.Listing.Count)
            return $"the input listing has {now.Listing.Count} images now but {old.Listing.Count} in the manifest";
        if (old.Listing.Xxh128 != now.Listing.Xxh128)
            return $"the input listing's names, sizes or modification times differ from the manifest's (same {now.Listing.Count} images)";
        return null;
    }

    private static string? Verify(string path, long bytes, string checksum)
    {
        if (!File.Exists(path)) return "is missing";
        long size = new FileInfo(path).Length;
        if (size != bytes) return string.Create(CultureInfo.InvariantCulture, $"has {size} bytes instead of {bytes}");
        if (!string.Equals(PartChecksum.OfFile(path), checksum, StringComparison.OrdinalIgnoreCase)) return "has a wrong checksum";
        return null;
    }

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
    private static int RemoveStaleTemporaries(string folder, string pattern, string manifestPath)
    {
        if (!Directory.Exists(folder)) return 0;
        var name = Path.GetFileName(pattern);
        int at = name.IndexOf(Placeholder, StringComparison.Ordinal);
        string prefix = name[..at], suffix = name[(at + Placeholder.Length)..];
        string sidecarSuffix = Path.GetFileNameWithoutExtension(suffix) + ".meta.npz";
        var part = new Regex("^\\." + Regex.Escape(prefix) + "[0-9]{5,}(" + Regex.Escape(suffix) + "|" + Regex.Escape(sidecarSuffix)
                             + ")\\.(tmp|features)-[A-Za-z0-9]+$", RegexOptions.CultureInvariant);
        var manifest = new Regex("^\\." + Regex.Escape(Path.GetFileName(manifestPath)) + "\\.tmp-[A-Za-z0-9]+$", RegexOptions.CultureInvariant);
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*"))
        {
            var n = Path.GetFileName(file);
            if (!part.IsMatch(n) && !manifest.IsMatch(n)) continue;
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

/// <summary>The end of a run interrupted with finished parts in place: its message says what was kept.</summary>
public sealed class PartsKeptException(string message, Exception inner) : OperationCanceledException(message, inner);
