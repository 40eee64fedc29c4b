using System.Diagnostics;
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

    /// <summary>A reason without the numbers and paths in it, to count reasons by kind.</summary>
    private static string ReasonKey(string reason)
    {
        var key = System.Text.RegularExpressions.Regex.Replace(reason, @"\d+", "N");
        key = System.Text.RegularExpressions.Regex.Replace(key, @"'[^']*'", "'…'");
        return key.Length > 110 ? key[..110] : key;
    }
}
