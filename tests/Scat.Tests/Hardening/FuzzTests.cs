using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Parquet;
using Parquet.Schema;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Scat.Tests.Hardening;

/// <summary>
/// Feeds thousands of mutated images (bit flips, byte sets, truncations, header edits, spliced slices of seed
/// PNG, JPEG, GIF, BMP, TIFF and WebP files) through the input stage as the pipeline runs it (the decoder on
/// the deadline-guarded workers) and checks that each is either decoded or skipped with a one-line reason:
/// never another exception, a hang (an overrun of the decode deadline) or runaway memory. Deterministic:
/// mutant i is made from Random(Seed + i), so a finding is reproduced by its index.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    public const int Seed = 20_250_701;
    /// <summary>Mutants per run: about 20 s on two shared cores; the run also stops submitting after <see cref="Budget"/>.</summary>
    public const int Count = 8000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private const long MemoryCeiling = 3L << 30;

    public sealed record Seed_(string Name, byte[] Bytes);

    public static List<Seed_> Seeds(TempDir dir)
    {
        var seeds = new List<Seed_>();
        void Add(string name) => seeds.Add(new Seed_(name, File.ReadAllBytes(dir[name])));
        BadFiles.NoisePng(dir["noise.png"], 24, 20); Add("noise.png");
        BadFiles.PalettePng(dir["palette.png"], 17, 9); Add("palette.png");
        BadFiles.AlphaPng(dir["alpha.png"], 12, 12); Add("alpha.png");
        BadFiles.DeepPng(dir["deep.png"], 10, 7); Add("deep.png");
        BadFiles.Jpeg(dir["plain.jpg"], 24, 16); Add("plain.jpg");
        BadFiles.Jpeg(dir["exif.jpg"], 20, 12, orientation: 6, subsampled: true); Add("exif.jpg");
        BadFiles.CmykJpeg(dir["cmyk.jpg"]); Add("cmyk.jpg");
        BadFiles.AnimatedGif(dir["anim.gif"], 9, 7); Add("anim.gif");
        using (var image = new Image<Rgba32>(13, 11, new Rgba32(10, 200, 30, 255)))
        {
            image[3, 4] = new Rgba32(250, 0, 0, 255);
            image.Save(dir["a.bmp"], new BmpEncoder());
            image.Save(dir["a.tiff"], new TiffEncoder());
            image.Save(dir["a.webp"], new WebpEncoder { FileFormat = WebpFileFormatType.Lossy });
            image.Save(dir["b.webp"], new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
        }
        Add("a.bmp"); Add("a.tiff"); Add("a.webp"); Add("b.webp");
        return seeds;
    }

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];
    private static readonly uint[] InterestingWords = [0, 1, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 100_000];

    /// <summary>Mutant <paramref name="index"/>: which seed, what was done, the bytes.</summary>
    public static (string Seed, string Kind, byte[] Bytes) Mutate(IReadOnlyList<Seed_> seeds, int index)
    {
        var random = new Random(Seed + index);
        var seed = seeds[random.Next(seeds.Count)];
        var b = (byte[])seed.Bytes.Clone();
        int n = b.Length;
        int headerEnd = Math.Min(n, 96);
        string kind;
        switch (random.Next(6))
        {
            case 0:
                {
                    int flips = 1 + random.Next(8);
                    for (int i = 0; i < flips; i++) b[random.Next(n)] ^= (byte)(1 << random.Next(8));
                    kind = $"{flips} bit flips";
                    break;
                }
            case 1:
                {
                    int sets = 1 + random.Next(4);
                    for (int i = 0; i < sets; i++) b[random.Next(n)] = Interesting[random.Next(Interesting.Length)];
                    kind = $"{sets} byte sets";
                    break;
                }
            case 2:
                {
                    int keep = random.Next(n);
                    b = b[..keep];
                    kind = $"truncated to {keep} of {n}";
                    break;
                }
            case 3:
                {
                    // A 16- or 32-bit field in the header (sizes, lengths, counts) set to an extreme, either byte order.
                    uint v = InterestingWords[random.Next(InterestingWords.Length)];
                    int width = random.Next(2) == 0 ? 2 : 4;
                    int at = random.Next(Math.Max(1, headerEnd - width));
                    bool big = random.Next(2) == 0;
                    for (int i = 0; i < width && at + i < n; i++)
                    {
                        int shift = big ? 8 * (width - 1 - i) : 8 * i;
                        b[at + i] = (byte)(v >> shift);
                    }
                    kind = $"header word at {at} = {v:X} ({width * 8}-bit {(big ? "BE" : "LE")})";
                    break;
                }
            case 4:
                {
                    int edits = 1 + random.Next(6);
                    for (int i = 0; i < edits; i++) b[random.Next(headerEnd)] = (byte)random.Next(256);
                    kind = $"{edits} random header bytes";
                    break;
                }
            default:
                {
                    // Splice: a slice of the file copied over another place (repeats chunks and segments).
                    int from = random.Next(n), len = 1 + random.Next(Math.Min(64, n - from)), to = random.Next(n);
                    var list = b.ToList();
                    list.InsertRange(to, b.AsSpan(from, len).ToArray());
                    b = list.ToArray();
                    kind = $"{len} bytes from {from} inserted at {to}";
                    break;
                }
        }
        return (seed.Name, kind, b);
    }

    [Fact]
    public void MutatedImagesAreDecodedOrSkippedWithAMessage()
    {
        using var dir = new TempDir();
        var seeds = Seeds(dir);
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        // Every other mutant is shrunk to 2×2, which sends the JPEG seeds (24×16, 20×12) to the scaled decoder
        // (SkiaSharp's codec at 1/4 and 1/2) instead of ImageSharp.
        var scaled = new ImageDecoder(ColorMode.Rgb, new ResizeSpec(2, 2, FitMode.Crop), decode: DecodeMode.Scaled);
        using var workers = new DecodeWorkers(2, Deadline, maxAbandoned: 2);
        int decoded = 0, skipped = 0, ran = 0;
        var findings = new List<string>();
        var reasons = new Dictionary<string, int>();
        var truncatedDecoded = new Dictionary<string, int>();
        long peak = 0;
        var clock = Stopwatch.StartNew();
        const int window = 4;
        var pending = new Queue<(int Index, string Path, DecodeWorkers.Job<(int, int)> Job)>();

        void Collect()
        {
            var (index, path, job) = pending.Dequeue();
            try
            {
                var (h, w) = workers.Wait(job, CancellationToken.None);
                if (h < 1 || w < 1) findings.Add($"#{index}: decoded to an empty image {h}x{w}");
                decoded++;
                var (s0, k0, _) = Mutate(seeds, index);
                if (k0.StartsWith("truncated", StringComparison.Ordinal)) truncatedDecoded[s0] = truncatedDecoded.GetValueOrDefault(s0) + 1;
            }
            catch (ImageDecodeException e)
            {
                skipped++;
                if (e.Message.Contains("--decode-timeout", StringComparison.Ordinal)) findings.Add($"#{index}: hang ({e.Message})");
                else if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Contains('\n')) findings.Add($"#{index}: bad reason '{e.Message}'");
                var key = ReasonKey(e.Message);
                reasons[key] = reasons.GetValueOrDefault(key) + 1;
            }
            catch (Exception e)
            {
                findings.Add($"#{index}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            File.Delete(path);
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
        }

        for (int i = 0; i < Count && clock.Elapsed < Budget; i++)
        {
            var (seed, kind, bytes) = Mutate(seeds, i);
            var path = dir[$"m{i}{Path.GetExtension(seed)}"];
            File.WriteAllBytes(path, bytes);
            var chosen = i % 2 == 0 ? decoder : scaled;
            pending.Enqueue((i, path, workers.Submit(token => chosen.Decode(path, token), static image =>
            {
                using (image)
                {
                    var planes = new float[image.Channels * image.Height * image.Width];
                    image.CopyPlanes(planes);
                    return (image.Height, image.Width);
                }
            }, CancellationToken.None)));
            ran++;
            if (pending.Count >= window) Collect();
            if (findings.Count > 0 && findings[^1].StartsWith($"#{i - window + 1}:", StringComparison.Ordinal))
                output.WriteLine($"finding from {Mutate(seeds, i - window + 1).Seed}, {Mutate(seeds, i - window + 1).Kind}");
        }
        while (pending.Count > 0) Collect();

        output.WriteLine($"fuzz: {ran} mutants (seed {Seed}) in {clock.Elapsed.TotalSeconds:0.0} s: {decoded} decoded, {skipped} skipped, " +
            $"{findings.Count} findings, peak working set {peak >> 20} MiB");
        foreach (var (seed, count) in truncatedDecoded) output.WriteLine($"  truncated yet decoded: {seed} {count}");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value)) output.WriteLine($"  {count,5}  {reason}");
        foreach (var f in findings.Take(30))
        {
            int index = int.Parse(f[1..f.IndexOf(':')]);
            var (seed, kind, _) = Mutate(seeds, index);
            output.WriteLine($"  finding {f} [{seed}: {kind}]");
        }
        Assert.True(ran >= 500, $"only {ran} mutants ran in the time budget");
        Assert.True(findings.Count == 0, string.Join("\n", findings.Take(30).Select(f =>
        {
            int index = int.Parse(f[1..f.IndexOf(':')]);
            var (seed, kind, _) = Mutate(seeds, index);
            return $"{f} [{seed}: {kind}]";
        })));
        Assert.True(peak < MemoryCeiling, $"peak working set {peak >> 20} MiB");
        Assert.Equal(0, workers.AbandonedRunning);
    }

    /// <summary>
    /// The container seeds: tar shards (ustar, GNU long names, pax, gzipped), a Parquet table, NPY and NPZ arrays
    /// (stored and deflated, with labels). Each is named with the extension that chooses its source; another input kind
    /// adds its seed here. Manifests (an input of --resume) are fuzzed by <see cref="ManifestFuzzTests"/>.
    /// </summary>
    public static List<Seed_> ContainerSeeds(TempDir dir)
    {
        var png = File.ReadAllBytes(BadFiles.NoisePng(dir["seed.png"], 8, 8));
        var jpg = File.ReadAllBytes(BadFiles.Jpeg(dir["seed.jpg"], 8, 8));
        byte[] Tar(TarEntryFormat format, string longName = "")
        {
            var ms = new MemoryStream();
            using (var w = new TarWriter(ms, format, leaveOpen: true))
            {
                void Add(string name, byte[] data)
                {
                    TarEntry e = format switch
                    {
                        TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                        TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                        _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                    };
                    e.DataStream = new MemoryStream(data);
                    w.WriteEntry(e);
                }
                Add(longName + "a.png", png); Add(longName + "a.cls", "3"u8.ToArray());
                Add("b.jpg", jpg); Add("b.cls", "1"u8.ToArray()); Add("b.json", "{}"u8.ToArray());
                Add("c.png", png);
            }
            return ms.ToArray();
        }
        byte[] Gzip(byte[] b)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(b);
            return ms.ToArray();
        }
        var x = HostileInputTests.Npy("3, 8, 8", Enumerable.Range(0, 3 * 64).SelectMany(i => BitConverter.GetBytes(i / 192f)).ToArray());
        var labels = HostileInputTests.Npy("3,", [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0], "<i8");
        byte[] Npz(CompressionLevel level)
        {
            HostileInputTests.Npz(dir["seed.npz"], ("x", x, level), ("labels", labels, level));
            var b = File.ReadAllBytes(dir["seed.npz"]);
            File.Delete(dir["seed.npz"]);
            return b;
        }
        byte[] Parquet()
        {
            var image = new DataField<byte[]>("image");
            var label = new DataField<long>("label");
            using (var stream = File.Create(dir["seed.parquet"]))
            {
                var writer = ParquetWriter.CreateAsync(new ParquetSchema(image, label), stream).GetAwaiter().GetResult();
                foreach (var rows in new[] { 2, 1 })
                {
                    using var g = writer.CreateRowGroup();
                    g.WriteAsync(image, Enumerable.Range(0, rows).Select(i => i == 0 ? png : jpg).ToArray()).GetAwaiter().GetResult();
                    g.WriteAsync<long>(label, Enumerable.Range(0, rows).Select(i => (long)i).ToArray().AsMemory()).GetAwaiter().GetResult();
                }
                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return File.ReadAllBytes(dir["seed.parquet"]);
        }
        return
        [
            new("ustar.tar", Tar(TarEntryFormat.Ustar)),
            new("gnu.tar", Tar(TarEntryFormat.Gnu, new string('d', 120) + "/")),
            new("pax.tar", Tar(TarEntryFormat.Pax, new string('p', 150) + "/")),
            new("ustar.tar.gz", Gzip(Tar(TarEntryFormat.Ustar))),
            new("table.parquet", Parquet()),
            new("x.npy", x),
            new("stored.npz", Npz(CompressionLevel.NoCompression)),
            new("deflated.npz", Npz(CompressionLevel.Optimal)),
        ];
    }

    /// <summary>Container mutants per run (the run also stops after <see cref="ContainerBudget"/> once
    /// <see cref="ContainerFloor"/> have run).</summary>
    public const int ContainerCount = 4000;
    /// <summary>Container mutants every run must give (tar, Parquet, NPY, NPZ): past the budget if need be, but never
    /// past <see cref="ContainerDeadline"/>, so that a machine too slow for them fails the floor instead of hanging.</summary>
    public const int ContainerFloor = 2000;
    private static readonly TimeSpan ContainerBudget = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ContainerDeadline = TimeSpan.FromSeconds(90);
    /// <summary>Every Nth container mutant also runs through the whole CLI (in process), for its exit code and files.</summary>
    private const int ThroughCli = 25;

    /// <summary>What reading one container gave: "ok", "skip" (items skipped with their reasons), "fail" (a one-line
    /// ScatException: exit 1), "usage" (exit 2), or a finding.</summary>
    public static string Container(string path, ImageDecoder decoder, DecodeWorkers workers, List<string> reasons)
    {
        var options = new ExtractOptions { Inputs = [path], Output = path + ".npy" };
        IImageSource? source = null;
        try
        {
            source = new ExtractPipeline(options).SourceFor(options); // the pipeline's own choice of source
            var items = source.List().Items;
            string outcome = "ok";
            foreach (var item in items.Take(8))
            {
                var job = workers.Submit(token => source.Open(item, decoder, token), static image =>
                {
                    using (image)
                    {
                        var planes = new float[image.Channels * image.Height * image.Width];
                        image.CopyPlanes(planes);
                        return planes.Length;
                    }
                }, CancellationToken.None);
                try { workers.Wait(job, CancellationToken.None); }
                catch (ImageDecodeException e)
                {
                    if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Contains('\n')) return $"bad reason '{e.Message}'";
                    reasons.Add(e.Message);
                    outcome = "skip";
                }
            }
            return outcome;
        }
        catch (ScatUsageException) { return "usage"; }
        catch (ScatException e)
        {
            if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Contains('\n')) return $"bad message '{e.Message}'";
            reasons.Add(e.Message);
            return "fail";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void MutatedContainersAreReadOrRefusedWithOneLine()
    {
        using var dir = new TempDir();
        var seeds = ContainerSeeds(dir);
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        using var workers = new DecodeWorkers(2, Deadline, maxAbandoned: 2);
        var outcomes = new Dictionary<string, int>();
        var reasons = new List<string>();
        var findings = new List<string>();
        long peak = 0;
        int ran = 0, cli = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ContainerCount && (clock.Elapsed < ContainerBudget || (ran < ContainerFloor && clock.Elapsed < ContainerDeadline)); i++, ran++)
        {
            var (seed, kind, bytes) = Mutate(seeds, i);
            string ext = seed[seed.IndexOf('.')..];
            var folder = dir[$"m{i}"];
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "in" + ext);
            File.WriteAllBytes(path, bytes);
            var outcome = Container(path, decoder, workers, reasons);
            if (outcome is not ("ok" or "skip" or "fail" or "usage")) findings.Add($"#{i} [{seed}: {kind}]: {outcome}");
            outcomes[outcome.Length > 12 ? "finding" : outcome] = outcomes.GetValueOrDefault(outcome.Length > 12 ? "finding" : outcome) + 1;
            if (i % ThroughCli == 0)
            {
                // The whole run: exit 0, 1 or 2 only, and nothing written outside its output folder.
                cli++;
                var r = InProcess.Scat("extract", path, "-o", Path.Combine(folder, "out", "f.npy"), "--device", "cpu", "-J", "1", "--threads", "2", "-q");
                if (r.Exit is not (0 or 1 or 2)) findings.Add($"#{i} [{seed}: {kind}]: exit {r.Exit}: {r.Stderr.Split('\n')[0]}");
                var stray = Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
                    .Where(f => f != path && f != Path.Combine(folder, "out") && !f.StartsWith(Path.Combine(folder, "out") + "/", StringComparison.Ordinal)).ToList();
                if (stray.Count > 0) findings.Add($"#{i} [{seed}: {kind}]: wrote {string.Join(", ", stray)}");
                if (r.Exit != 0 && Directory.Exists(Path.Combine(folder, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(folder, "out")).Any())
                    findings.Add($"#{i} [{seed}: {kind}]: exit {r.Exit} left files in the output folder");
            }
            Directory.Delete(folder, recursive: true);
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
        }
        output.WriteLine($"container fuzz: {ran} mutants ({cli} through the CLI) in {clock.Elapsed.TotalSeconds:0.0} s: " +
            string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}")) + $"; peak working set {peak >> 20} MiB");
        foreach (var (reason, count) in reasons.GroupBy(ReasonKey).Select(g => (g.Key, g.Count())).OrderByDescending(r => r.Item2).Take(25))
            output.WriteLine($"  {count,5}  {reason}");
        // The loop stops at the budget only once ContainerFloor mutants ran, and at the deadline in any case (alone on
        // the 2-core AMD EPYC of 2026-12-03 all 4,000 took 7.9 s).
        Assert.True(ran >= ContainerFloor, $"only {ran} container mutants ran in the time budget");
        Assert.True(findings.Count == 0, string.Join("\n", findings.Take(30)));
        Assert.True(peak < MemoryCeiling, $"peak working set {peak >> 20} MiB");
        Assert.Equal(0, workers.AbandonedRunning);
    }

    /// <summary>A reason without the numbers and paths in it, to count reasons by kind.</summary>
    private static string ReasonKey(string reason)
    {
        var key = System.Text.RegularExpressions.Regex.Replace(reason, @"\d+", "N");
        key = System.Text.RegularExpressions.Regex.Replace(key, @"'[^']*'", "'…'");
        return key.Length > 110 ? key[..110] : key;
    }
}
