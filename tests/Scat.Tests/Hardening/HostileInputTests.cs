using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Parquet;
using Parquet.Schema;
using Scat.Input;
using Scat.Input.Containers;
using Scat.Input.Decoding;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>
/// Issue 22, the input half: crafted inputs whose declared sizes lie. Each case names the promise of README's "Errors,
/// exit codes and safety" it covers. The runs that would have exhausted memory before the fix run in a child process
/// under a small managed-heap limit (<see cref="HeapLimit"/>), so that a regression fails the test instead of the host.
/// </summary>
public class HostileInputTests
{
    /// <summary>The child's managed heap limit: a few small images need far less; a listing per claimed item, far more.</summary>
    private const string HeapLimit = "0x20000000"; // 512 MiB

    internal static ChildProcess.Result Bounded(params string[] args) =>
        ChildProcess.RunScat(args, ("DOTNET_GCHeapHardLimit", HeapLimit), ("DOTNET_gcServer", "0"));

    /// <summary>An NPY v1 (or v2) stream: the header dictionary as numpy writes it, then <paramref name="data"/>.</summary>
    internal static byte[] Npy(string shape, byte[] data, string descr = "<f4", uint? declaredHeaderLength = null)
    {
        var dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int prefix = declaredHeaderLength is null ? 10 : 12;
        dict += new string(' ', (64 - (dict.Length + 1 + prefix) % 64) % 64) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)(declaredHeaderLength is null ? 1 : 2), 0]);
        if (declaredHeaderLength is { } declared)
        {
            Span<byte> l = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(l, declared);
            ms.Write(l);
        }
        else
        {
            Span<byte> l = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(l, (ushort)dict.Length);
            ms.Write(l);
        }
        ms.Write(Encoding.Latin1.GetBytes(dict));
        ms.Write(data);
        return ms.ToArray();
    }

    /// <summary>Two 8×8 float32 images of smooth values.</summary>
    private static byte[] TwoImages()
    {
        var bytes = new byte[2 * 8 * 8 * 4];
        for (int i = 0; i < 128; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), (i % 17) / 17f);
        return bytes;
    }

    internal static void Npz(string path, params (string Name, byte[] Bytes, CompressionLevel Level)[] members)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes, level) in members)
        {
            using var s = zip.CreateEntry(name + ".npy", level).Open();
            s.Write(bytes);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("npy")]
    [InlineData("stored")]
    [InlineData("deflated")]
    public void DeclaredSizes_AnArrayClaimingMoreImagesThanItsDataHoldFailsTheRunWithOneLine(string kind)
    {
        // README: a whole file that cannot be trusted (an NPY header beyond the file) fails the run with one line
        // naming it, before any transform, even with --limit; 10^12 images claimed, two present.
        using var dir = new TempDir();
        var claim = Npy("1000000000000, 8, 8", TwoImages());
        string file = kind == "npy" ? dir["claim.npy"] : dir["claim.npz"];
        if (kind == "npy") File.WriteAllBytes(file, claim);
        else Npz(file, ("x", claim, kind == "stored" ? CompressionLevel.NoCompression : CompressionLevel.Optimal));
        string where = kind == "npy" ? file : file + " (array 'x')";
        foreach (var limit in new[] { new[] { "--limit", "2" }, Array.Empty<string>() })
        {
            var r = Bounded(["extract", file, "-o", dir["out.npy"], "--device", "cpu", .. limit]);
            Assert.Equal(1, r.Exit);
            Assert.Equal($"scat: error: {where}: the NPY header claims 1000000000000 images of 256 bytes but the data hold 512 bytes (2 images); " +
                "the file is truncated or its header cannot be trusted", Assert.Single(Lines(r.Stderr)));
            Assert.False(File.Exists(dir["out.npy"]));
        }
    }

    [Theory]
    [InlineData("shape", "the NPY shape (1000000000000000000000000000000, 8, 8) has a dimension that is not a number below 2^63")]
    [InlineData("product", "the NPY shape (100000000000, 100000000000, 8) has more than 2^63 elements")]
    [InlineData("v2", "the NPY header claims 4294967280 bytes")]
    [InlineData("beyond", "the NPY header claims 60000 bytes but the file ends after")]
    public void DeclaredSizes_AnArrayFileThatCannotBeTrustedFailsTheRunWithOneLine(string kind, string reason)
    {
        using var dir = new TempDir();
        var file = dir["bad.npy"];
        var bytes = kind switch
        {
            "shape" => Npy("1000000000000000000000000000000, 8, 8", TwoImages()),
            "product" => Npy("100000000000, 100000000000, 8", TwoImages()),
            "v2" => Npy("2, 8, 8", TwoImages(), declaredHeaderLength: 0xFFFFFFF0),
            _ => Npy("2, 8, 8", TwoImages(), declaredHeaderLength: 60000),
        };
        File.WriteAllBytes(file, bytes);
        var r = Bounded("extract", file, "-o", dir["out.npy"], "--device", "cpu", "-q");
        Assert.Equal(1, r.Exit);
        var line = Assert.Single(Lines(r.Stderr));
        Assert.StartsWith("scat: error: " + file + ": not a readable numpy array (", line);
        Assert.Contains(reason, line);
        Assert.False(File.Exists(dir["out.npy"]));
    }

    [Fact]
    public void DeclaredSizes_ALabelsArrayIsCheckedAgainstTheImagesBeforeItIsRead()
    {
        using var dir = new TempDir();
        var x = Npy("2, 8, 8", TwoImages());
        // 2^40 labels declared in a few bytes.
        Npz(dir["claim.npz"], ("x", x, CompressionLevel.NoCompression), ("labels", Npy("1099511627776,", new byte[16], "<i8"), CompressionLevel.NoCompression));
        var r = Bounded("extract", dir["claim.npz"], "-o", dir["out.npy"], "--device", "cpu", "-q");
        Assert.Equal(1, r.Exit);
        Assert.Equal($"scat: error: {dir["claim.npz"]} (array 'x'): the labels array 'labels' has 1099511627776 entries for 2 images", Assert.Single(Lines(r.Stderr)));

        // A deflated bomb: 2^28 one-byte labels (256 MiB) in a quarter of a megabyte.
        using (var zip = ZipFile.Open(dir["bomb.npz"], ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("x.npy", CompressionLevel.NoCompression).Open()) s.Write(x);
            using var l = zip.CreateEntry("labels.npy", CompressionLevel.Optimal).Open();
            l.Write(Npy("268435456,", [], "|u1"));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) l.Write(zeros);
        }
        r = Bounded("extract", dir["bomb.npz"], "-o", dir["out.npy"], "--device", "cpu", "-q");
        Assert.Equal(1, r.Exit);
        Assert.Equal($"scat: error: {dir["bomb.npz"]} (array 'x'): the labels array 'labels' has 268435456 entries for 2 images", Assert.Single(Lines(r.Stderr)));
        Assert.False(File.Exists(dir["out.npy"]));
    }

    [Fact]
    public void DeclaredSizes_MaxPixelsAppliesToAnArraysImages()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["x.npy"], Npy("2, 8, 8", TwoImages()));
        var r = Bounded("extract", dir["x.npy"], "-o", dir["out.npy"], "--device", "cpu", "--max-pixels", "63");
        Assert.Equal(1, r.Exit);
        Assert.Contains(Lines(r.Stderr), l => l.Contains("x.npy[0]", StringComparison.Ordinal) && l.Contains("height 8, width 8 is 64 pixels, more than --max-pixels 63", StringComparison.Ordinal));
        Assert.False(File.Exists(dir["out.npy"]));
        r = Bounded("extract", dir["x.npy"], "-o", dir["out.npy"], "--device", "cpu", "--max-pixels", "64", "-q");
        Assert.True(r.Exit == 0, r.Stderr);
    }

    /// <summary>A 1×1 image: whatever --size asks, the image is no work; the transform's own working set is.</summary>
    [Theory]
    [InlineData("extract", "--size", "--size 6000x6000")]
    [InlineData("extract", "--tile", "--tile 6000x6000")]
    [InlineData("bench", "--size", "--size 6000x6000")]
    public void OptionsOutOfRange_ASizeWhoseWorkingSetPassesTheMemoryBoundIsAUsageErrorBeforeAnyWork(string command, string option, string named)
    {
        // README: "a --size, --tile or scat bench --size whose working set passes the memory bound" is exit 2, one line.
        // Under the child's heap limit the bound is that limit; BatchBudgetTests checks that 6000 passes 16 GiB too.
        // (Before the bound, the filter bank of 6008x6008 was built for minutes, then memory ran out: exit 70.)
        using var dir = new TempDir();
        var one = BadFiles.NoisePng(dir["one.png"], 1, 1);
        string[] args = command == "extract" ? ["extract", one, "-o", dir["out.npy"], option, "6000", "--device", "cpu"]
            : ["bench", "--size", "6000", "--device", "cpu", "--repeat", "1", "--warmup", "0"];
        var r = Bounded(args);
        Assert.Equal(2, r.Exit);
        var line = Assert.Single(Lines(r.Stderr));
        Assert.StartsWith($"scat: error: {named} needs about ", line);
        Assert.Contains("GiB to transform (filter bank ", line);
        Assert.Contains(", more than the memory bound of 0.5 GiB: use a smaller " + option, line);
        Assert.False(File.Exists(dir["out.npy"]));
    }

    [Fact]
    public void OptionsOutOfRange_Size1024StillRuns()
    {
        // README states --size 1024's peak (about 2.2 GB); the bound must not refuse it (checked as Validate checks it,
        // with this machine's threads and bound: the run itself is the README's measurement).
        using var dir = new TempDir();
        var one = BadFiles.NoisePng(dir["one.png"], 1, 1);
        new Scat.Pipeline.ExtractOptions { Inputs = [one], Output = dir["out.npy"], Resize = new ResizeSpec(1024, 1024, FitMode.Crop) }.Validate();
        new Scat.Bench.BenchOptions { Sizes = [(1024, 1024)] }.Validate();
        // And a small run at 1024 (one image, one per batch, one thread: well under a GiB) goes through.
        var r = ChildProcess.RunScat(["extract", one, "-o", dir["out.npy"], "--size", "1024", "--batch-size", "1", "--threads", "1", "--pool", "mean", "--device", "cpu", "-q"]);
        Assert.True(r.Exit == 0, r.Stderr);
    }

    [Fact]
    public void BoundedMemory_AnImageAtItsOwnSizeWhoseWorkingSetPassesTheBoundIsSkippedWithTheReason()
    {
        // README: images at their own size over the memory bound are skipped with the reason, the run goes on (never
        // out of memory). Under the child's 512 MiB heap, 1024x1024 RGB at the default batch passes the bound.
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/a.png"], 16, 16, seed: 1);
        var big = BadFiles.NoisePng(dir["in/b.png"], 1024, 1024, seed: 2);
        BadFiles.NoisePng(dir["in/c.png"], 16, 16, seed: 3);
        // One shape (.npy: every header first) and images at their own sizes (.parquet: the decode stage learns them).
        foreach (var output in new[] { "out.npy", "out.parquet" })
        {
            var r = Bounded("extract", dir["in"], "-o", dir[output], "-J", "2", "--device", "cpu");
            Assert.True(r.Exit == 0, r.Stderr);
            var skipped = Assert.Single(Lines(r.Stderr), l => l.StartsWith("skipped", StringComparison.Ordinal));
            Assert.StartsWith($"skipped {big}: height 1024, width 1024 needs about ", skipped);
            Assert.Contains(", more than the memory bound of 0.5 GiB: use --size", skipped);
            Assert.Contains(Lines(r.Stderr), l => l.StartsWith("2 images, 1 skipped", StringComparison.Ordinal));
        }
        Assert.Equal(2, NpyFile.Read(dir["out.npy"]).Shape[0]);
    }

    [Theory]
    [InlineData("{0..9223372036854775807}")]
    [InlineData("{-9223372036854775808..9223372036854775807}")]
    [InlineData("{9223372036854775807..-9223372036854775808}")]
    public void OptionsOutOfRange_ABraceRangePastTheExpansionCapIsAUsageError(string range)
    {
        var e = Assert.Throws<ScatUsageException>(() => InputPatterns.ExpandBraces("shard-" + range + ".tar"));
        Assert.Equal($"the range {range} has more than {InputPatterns.MaxExpansion} values", e.Message);
    }

    // ---- tar shards ----

    /// <summary>A ustar (or GNU, or pax) tar of the members, in order.</summary>
    internal static byte[] Tar(TarEntryFormat format, params (string Name, byte[] Data)[] members)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, format, leaveOpen: true))
            foreach (var (name, data) in members)
            {
                TarEntry e = format switch
                {
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                    _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                };
                e.ModificationTime = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
                e.DataStream = new MemoryStream(data);
                w.WriteEntry(e);
            }
        return ms.ToArray();
    }

    internal static byte[] Tar(params (string Name, byte[] Data)[] members) => Tar(TarEntryFormat.Ustar, members);

    private static byte[] Png(TempDir dir, string name, int seed) => File.ReadAllBytes(BadFiles.NoisePng(dir[name], 8, 8, seed));

    private static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void SecondPassVerifiesTheFirst_AShardReplacedAfterItsListingFailsTheRunNamingIt()
    {
        using var dir = new TempDir();
        byte[] p0 = Png(dir, "p0.png", 1), p1 = Png(dir, "p1.png", 2);
        var shard = dir["s.tar"];
        var decoder = new ImageDecoder(ColorMode.Rgb, null);
        File.WriteAllBytes(shard, Tar(("k0.png", p0), ("k0.cls", Text("1")), ("k1.png", p1), ("k1.cls", Text("2"))));
        var listedTime = File.GetLastWriteTimeUtc(shard);

        // Replaced by an atomic rename (as rsync does) with a shard of the same length and time: other keys.
        using (var source = new TarShardSource([shard], null))
        {
            var items = source.List().Items;
            File.WriteAllBytes(dir["new.tar"], Tar(("j0.png", p1), ("j0.cls", Text("7")), ("j1.png", p0), ("j1.cls", Text("8"))));
            Assert.Equal(new FileInfo(shard).Length, new FileInfo(dir["new.tar"]).Length);
            File.SetLastWriteTimeUtc(dir["new.tar"], listedTime);
            File.Move(dir["new.tar"], shard, overwrite: true);
            var e = Assert.Throws<ScatException>(() => source.Open(items[1], decoder, CancellationToken.None));
            Assert.Equal($"{shard}: the shard changed while it was read (sample 1 is now 'j1' ({p0.Length} bytes of image), listed as 'k1' ({p1.Length} bytes)); run again on a shard that is not being written", e.Message);
        }

        // Replaced by one of another length: found from the file before any sample is read.
        File.WriteAllBytes(shard, Tar(("k0.png", p0), ("k0.cls", Text("1"))));
        using (var source = new TarShardSource([shard], null))
        {
            var items = source.List().Items;
            File.WriteAllBytes(dir["new.tar"], Tar(("k0.png", p0), ("k0.cls", Text("1")), ("k1.png", p1)));
            File.Move(dir["new.tar"], shard, overwrite: true);
            var e = Assert.Throws<ScatException>(() => source.Open(items[0], decoder, CancellationToken.None));
            Assert.StartsWith($"{shard}: the shard changed while it was read (", e.Message);
            Assert.Contains("listed as", e.Message);
        }

        // The same bytes written again (another time stamp, the same length): found from the file's time alone.
        File.WriteAllBytes(shard, Tar(("k0.png", p0), ("k0.cls", Text("1"))));
        File.SetLastWriteTimeUtc(shard, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        using (var source = new TarShardSource([shard], null))
        {
            var items = source.List().Items;
            File.SetLastWriteTimeUtc(shard, new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc));
            var e = Assert.Throws<ScatException>(() => source.Open(items[0], decoder, CancellationToken.None));
            Assert.StartsWith($"{shard}: the shard changed while it was read (", e.Message);
        }
    }

    [Fact]
    public void DamagedShards_ATarCutInsideAClsMemberDropsThatSampleAsTheMessageSays()
    {
        using var dir = new TempDir();
        var tar = Tar(("a.png", Png(dir, "a.png", 1)), ("a.cls", Text("1")), ("b.png", Png(dir, "b.png", 2)), ("b.cls", Text("22")));
        // Cut inside the header of b.cls: b.png is whole, but b's label is lost with the rest of the shard.
        int header = Enumerable.Range(0, tar.Length / 512).Select(i => i * 512).First(o => Encoding.ASCII.GetString(tar, o, 5) == "b.cls");
        File.WriteAllBytes(dir["cut.tar"], tar[..(header + 100)]);
        using var source = new TarShardSource([dir["cut.tar"]], null);
        var items = source.List().Items;
        Assert.Equal([dir["cut.tar"] + "/a", dir["cut.tar"]], items.Select(i => i.Path));
        Assert.Equal([1, -1], items.Select(i => i.Label));
        var e = Assert.Throws<ImageDecodeException>(() => source.Open(items[1], new ImageDecoder(ColorMode.Rgb, null), CancellationToken.None));
        Assert.EndsWith("; 1 sample before it kept, the unfinished sample 'b' dropped", e.Message);

        // Cut inside the data of b.cls (one of its two bytes): the same, never the label 2 or a kept sample labelled -1.
        File.WriteAllBytes(dir["cut-data.tar"], tar[..(header + 512 + 1)]);
        using (var data = new TarShardSource([dir["cut-data.tar"]], null))
        {
            var listed = data.List().Items;
            Assert.Equal([dir["cut-data.tar"] + "/a", dir["cut-data.tar"]], listed.Select(i => i.Path));
            Assert.Equal([1, -1], listed.Select(i => i.Label));
            var cut = Assert.Throws<ImageDecodeException>(() => data.Open(listed[1], new ImageDecoder(ColorMode.Rgb, null), CancellationToken.None));
            Assert.EndsWith("; 1 sample before it kept, the unfinished sample 'b' dropped", cut.Message);
        }

        // Cut inside the header of the next sample's first member: b has all that a had, it is kept.
        var more = Tar(("a.png", Png(dir, "a.png", 1)), ("a.cls", Text("1")), ("b.png", Png(dir, "b.png", 2)), ("b.cls", Text("22")), ("c.png", Png(dir, "c.png", 3)));
        int next = Enumerable.Range(0, more.Length / 512).Select(i => i * 512).First(o => Encoding.ASCII.GetString(more, o, 5) == "c.png");
        File.WriteAllBytes(dir["cut2.tar"], more[..(next + 100)]);
        using var second = new TarShardSource([dir["cut2.tar"]], null);
        Assert.Equal([1, 22, -1], second.List().Items.Select(i => i.Label));
    }

    /// <summary>A stream of <paramref name="length"/> zero bytes (seekable, so that TarWriter can take its length).</summary>
    private sealed class Zeros(long length) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get; set; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - Position);
            Array.Clear(buffer, offset, n);
            Position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => length + offset };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void BoundedMemory_ASampleWithSeveralHugeImageMembersIsNotHeldWhileListing()
    {
        using var dir = new TempDir();
        // Three 200 MB image members in one sample (a few hundred KB gzipped), then a good sample.
        using (var file = File.Create(dir["big.tar.gz"]))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
        using (var w = new TarWriter(gz, TarEntryFormat.Ustar))
        {
            foreach (var ext in new[] { "jpg", "png", "bmp" })
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "a." + ext) { DataStream = new Zeros(200L << 20) });
            w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "b.png") { DataStream = new MemoryStream(Png(dir, "b.png", 3)) });
        }
        var r = Bounded("extract", dir["big.tar.gz"], "-o", dir["out.npy"], "--device", "cpu", "-J", "1");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal(1, NpyFile.Read(dir["out.npy"]).Shape[0]);
        Assert.Contains($"skipped {dir["big.tar.gz"]}/a: several images (.jpg, .png, .bmp): choose one with --image-ext", r.Stderr);
    }

    [Theory]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Pax)]
    public void DeclaredSizes_ALongNameOfMegabytesIsDamageAtItsHeaderNotAnAllocation(TarEntryFormat format)
    {
        // GNU ('L') and pax ('x', a "path" record) long names: the header's declared size is refused, never read.
        using var dir = new TempDir();
        var name = new string('n', 3 << 20) + ".png";
        var tar = Tar(format, ("a.png", Png(dir, "a.png", 1)), ("a.cls", Text("4")), (name, Png(dir, "b.png", 2)));
        File.WriteAllBytes(dir["long.tar"], tar);
        var kept = new List<TarSample>();
        var e = Assert.Throws<TarDamageException>(() => { foreach (var t in TarShardReader.ReadShard(dir["long.tar"])) kept.Add(t); });
        Assert.Equal(["a"], kept.Select(k => k.Key));
        var m = Regex.Match(e.Message, $@"a long-name or pax header declares (\d+) bytes \(at most {TarShardReader.MaxLongHeaderBytes} are read\)");
        Assert.True(m.Success, e.Message);
        long declared = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        // The name's header, not another: GNU's holds the name and a NUL, pax's a "length path=name\n" record.
        if (format == TarEntryFormat.Gnu) Assert.Equal(name.Length + 1, declared);
        else Assert.True(declared > name.Length, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DeclaredSizes_TarMembersOverTheirLimitsAreSkippedWithTheReason()
    {
        // README: "a tar member over 1 GiB (a .cls over 4 KiB)" is a skipped item; the run goes on.
        using var dir = new TempDir();
        var png = Png(dir, "p.png", 1);
        var bytes = Tar(("a.png", png), ("a.cls", Encoding.ASCII.GetBytes(new string('1', 5000))), ("b.png", png), ("b.cls", "2"u8.ToArray()),
            ("c.png", png));
        // c.png's header declares 1 GiB + 1 bytes; the file is made as long as that declares (sparse: no disk is used).
        int header = Enumerable.Range(0, bytes.Length / 512).Select(b => b * 512).First(o => Encoding.ASCII.GetString(bytes, o, 5) == "c.png");
        long declared = TarShardReader.MaxMemberBytes + 1;
        Encoding.ASCII.GetBytes(Convert.ToString(declared, 8).PadLeft(11, '0') + "\0").CopyTo(bytes, header + 124);
        Encoding.ASCII.GetBytes("        ").CopyTo(bytes, header + 148);
        int sum = bytes.AsSpan(header, 512).ToArray().Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, header + 148);
        var shard = dir["s.tar"];
        using (var f = File.Create(shard))
        {
            f.Write(bytes, 0, header + 512 + png.Length);
            f.SetLength(header + 512 + (declared + 511) / 512 * 512 + 1024); // the data, then the end of the archive
        }
        var r = Bounded("extract", shard, "-o", dir["out.npy"], "--device", "cpu");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal(1, NpyFile.Read(dir["out.npy"]).Shape[0]);
        var skipped = Lines(r.Stderr).Where(l => l.StartsWith("skipped", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.Contains("member a.cls of 5000 bytes is too large", skipped[0]);
        Assert.Contains($"member c.png of {declared} bytes is too large", skipped[1]);
    }

    [Fact]
    public void BoundedMemory_ASampleHoldsOnlyTheImageMemberItCanUse()
    {
        using var ms = new MemoryStream(Tar(("a.seg.png", Text("SEG")), ("a.png", Text("PNG")), ("a.jpg", Text("JPG")),
            ("b.seg.png", Text("B-SEG")), ("b.png", Text("B-PNG")), ("b.x.png", Text("B-X"))));
        var samples = TarShardReader.ReadSamples(ms, "s.tar").ToList();
        Assert.Equal("several images (.seg.png, .png, .jpg): choose one with --image-ext", samples[0].Problem);
        Assert.Equal("B-PNG", Encoding.ASCII.GetString(samples[1].Image!));
        ms.Position = 0;
        var listed = TarShardReader.ReadSamples(ms, "s.tar", withImages: false).ToList();
        Assert.All(listed, t => Assert.Null(t.Image));
        Assert.Equal([-1, 5], listed.Select(t => t.ImageLength));
        Assert.Equal([null, "b.png"], listed.Select(t => t.ImageMember));
    }

    // ---- signals ----

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, uint mode);

    private static Process Start(TempDir dir, bool redirectInput, params string[] args)
    {
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", ChildProcess.ScatDll }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = dir["tmp"];
        Directory.CreateDirectory(dir["tmp"]);
        return Process.Start(psi)!;
    }

    /// <summary>Sends the signal and checks the run stops within the README's two seconds (the process's exit included).</summary>
    private static void Stopped(Process p, int signal, int exit, Task<string> stderr)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Kill(p.Id, signal));
        // README's promise: a signal is honoured within two seconds, in every loop that reads.
        bool ended = p.WaitForExit(2_000);
        var took = clock.Elapsed;
        if (!ended) p.Kill(entireProcessTree: true);
        Assert.True(ended, $"scat did not stop within 2 s of signal {signal}");
        p.WaitForExit();
        Assert.True(exit == p.ExitCode, $"exit {p.ExitCode}: {stderr.Result}");
        Assert.Contains("interrupted", stderr.Result);
        Assert.True(took < TimeSpan.FromSeconds(2), $"scat stopped {took.TotalSeconds:0.00} s after signal {signal}");
    }

    [UnixFact]
    public void Signals_SigintWhileListingOneHugeTarMemberStopsTheRun()
    {
        using var dir = new TempDir();
        var fifo = dir["huge.tar"];
        Assert.Equal(0, MkFifo(fifo, Convert.ToUInt32("600", 8)));
        // A header declaring an 8 GB member, then zeros fed as long as the test runs (as a slow disk or network would).
        var header = Tar(("a.bin", new byte[1]))[..512];
        Encoding.ASCII.GetBytes("77777777777\0").CopyTo(header, 124);
        Encoding.ASCII.GetBytes("        ").CopyTo(header, 148);
        long sum = header.Sum(b => (long)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        long fed = 0;
        using var stop = new CancellationTokenSource();
        var feeder = Task.Run(() =>
        {
            try
            {
                using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                w.Write(header);
                var zeros = new byte[1 << 20];
                while (!stop.IsCancellationRequested) { w.Write(zeros); Interlocked.Add(ref fed, zeros.Length); Thread.Sleep(5); }
            }
            catch (IOException) { } // the reader went away
        });
        using var p = Start(dir, false, "extract", fifo, "-o", dir["out.npy"], "--device", "cpu");
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            var started = Stopwatch.StartNew();
            while (Interlocked.Read(ref fed) < 16 << 20 && started.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            Assert.True(Interlocked.Read(ref fed) >= 16 << 20, "the listing did not start reading");
            Stopped(p, 2, 130, stderr);
        }
        finally
        {
            stop.Cancel();
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        Assert.False(File.Exists(dir["out.npy"]));
    }

    [UnixFact]
    public void Signals_SigtermWhileStandardInputIsSilentStopsTheRun()
    {
        using var dir = new TempDir();
        using var p = Start(dir, true, "extract", "-", "-o", dir["out.npy"], "--device", "cpu");
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            p.StandardInput.BaseStream.Write(new byte[100]); // a tar begins, then nothing comes
            p.StandardInput.BaseStream.Flush();
            // The copy of standard input has begun when its temporary file exists.
            var started = Stopwatch.StartNew();
            while (!Directory.EnumerateFiles(dir["tmp"], "scat-stdin-*").Any() && started.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            Assert.True(Directory.EnumerateFiles(dir["tmp"], "scat-stdin-*").Any(), "scat did not start reading standard input");
            Stopped(p, 15, 143, stderr);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        Assert.Empty(Directory.EnumerateFiles(dir["tmp"], "scat-stdin-*"));
        Assert.False(File.Exists(dir["out.npy"]));
    }

    // ---- images whose files cannot hold what they declare ----

    [Fact]
    public void DeclaredSizes_AJpegTooSmallForItsDeclaredPixelsIsRefusedBeforeDecoding()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(BadFiles.Jpeg(dir["small.jpg"], 16, 16));
        // The frame header (SOF0) declares 10000×10000: the file (about 600 bytes) cannot hold its MCUs.
        int sof = Enumerable.Range(0, bytes.Length - 1).First(i => bytes[i] == 0xFF && bytes[i + 1] == 0xC0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), 10000);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 7), 10000);
        File.WriteAllBytes(dir["declares.jpg"], bytes);
        foreach (var decoder in new[] { new ImageDecoder(ColorMode.Rgb, null), new ImageDecoder(ColorMode.Rgb, new ResizeSpec(32, 32, FitMode.Crop)) })
        {
            var e = Assert.Throws<ImageDecodeException>(() => decoder.Decode(dir["declares.jpg"]));
            Assert.Matches(@"^truncated JPEG: \d+ bytes of coded data cannot hold the 10000x10000 pixels its header declares$", e.Message);
        }
        // The file it came from decodes.
        using var image = new ImageDecoder(ColorMode.Rgb, null).Decode(dir["small.jpg"]);
        Assert.Equal((16, 16), (image.Height, image.Width));
    }

    [Fact]
    public void DeclaredSizes_APngTooSmallForItsDeclaredPixelsIsRefusedBeforeDecoding()
    {
        using var dir = new TempDir();
        // 5000×5000 RGBA allowed by --max-pixels, in 10 bytes of deflate: 100 MB cannot come out of them.
        var bomb = BadFiles.BombPng(dir["bomb.png"], 5000, 5000);
        var e = Assert.Throws<ImageDecodeException>(() => new ImageDecoder(ColorMode.Rgb, null).Decode(bomb));
        Assert.Equal("truncated PNG: 10 bytes of coded data cannot hold the 5000x5000 pixels its header declares", e.Message);
    }

    // ---- Parquet tables ----

    private static async Task Table(string file, DataField label, Func<ParquetRowGroupWriter, Task> writeLabels, byte[][] images)
    {
        var image = new DataField<byte[]>("image");
        using var stream = File.Create(file);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(image, label), stream);
        using var g = writer.CreateRowGroup();
        await g.WriteAsync(image, images);
        await writeLabels(g);
    }

    /// <summary>
    /// The file with one of its footer's row counts rewritten: the file's <c>num_rows</c> (FileMetaData field 3) or row
    /// group 0's (field 3 of the first RowGroup in field 4). The footer is thrift's compact protocol, its length in the
    /// four bytes before the trailing "PAR1"; the column chunks' offsets point before it, so it may grow.
    /// </summary>
    internal static byte[] WithRowCount(byte[] file, long rows, bool rowGroup)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        int start = file.Length - 8 - length;
        var footer = new CompactThrift(file.AsSpan(start, length).ToArray());
        var (at, end) = footer.FindI64(rowGroup ? [4, 3] : [3]);
        var value = new MemoryStream();
        ulong zigzag = (ulong)((rows << 1) ^ (rows >> 63));
        do { byte b = (byte)(zigzag & 0x7F); zigzag >>= 7; value.WriteByte(zigzag != 0 ? (byte)(b | 0x80) : b); } while (zigzag != 0);
        byte[] patched = [.. footer.Bytes[..at], .. value.ToArray(), .. footer.Bytes[end..]];
        var tail = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(tail, patched.Length);
        return [.. file.AsSpan(0, start), .. patched, .. tail, .. "PAR1"u8];
    }

    /// <summary>Just enough of thrift's compact protocol to find where one i64 field's value lies.</summary>
    private sealed class CompactThrift(byte[] bytes)
    {
        public byte[] Bytes => bytes;
        private int _p;

        /// <summary>The [start, end) of the i64 at the path of field ids (a list field on the way: its first element).</summary>
        public (int Start, int End) FindI64(int[] path)
        {
            _p = 0;
            return Find(path, 0) ?? throw new InvalidOperationException("field not found");
        }

        private (int, int)? Find(int[] path, int depth)
        {
            short last = 0;
            while (true)
            {
                byte header = bytes[_p++];
                if (header == 0) return null;
                int type = header & 0x0F, delta = header >> 4;
                short id = delta != 0 ? (short)(last + delta) : (short)Zigzag(Varint());
                last = id;
                if (id == path[depth] && depth == path.Length - 1 && type == 6)
                {
                    int start = _p;
                    Varint();
                    return (start, _p);
                }
                if (id == path[depth] && type == 9)
                {
                    byte list = bytes[_p++];
                    if (list >> 4 == 15) Varint();
                    return Find(path, depth + 1); // the first element (a struct)
                }
                Skip(type);
            }
        }

        private ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = bytes[_p++];
                v |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
        }

        private static long Zigzag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

        private void Skip(int type)
        {
            switch (type)
            {
                case 1 or 2: return; // a bool field holds its value in the type
                case 3: _p++; return;
                case 4 or 5 or 6: Varint(); return;
                case 7: _p += 8; return;
                case 8: int length = (int)Varint(); _p += length; return; // not _p += Varint(): _p would be read before the varint
                case 9 or 10:
                    byte list = bytes[_p++];
                    long n = list >> 4 == 15 ? (long)Varint() : list >> 4;
                    for (long i = 0; i < n; i++) SkipElement(list & 0x0F);
                    return;
                case 11:
                    long pairs = (long)Varint();
                    if (pairs == 0) return;
                    byte kinds = bytes[_p++];
                    for (long i = 0; i < pairs; i++) { SkipElement(kinds >> 4); SkipElement(kinds & 0x0F); }
                    return;
                case 12:
                    short last = 0;
                    while (true)
                    {
                        byte header = bytes[_p++];
                        if (header == 0) return;
                        if (header >> 4 == 0) last = (short)Zigzag(Varint());
                        else last += (short)(header >> 4);
                        Skip(header & 0x0F);
                    }
                default: throw new InvalidOperationException($"thrift type {type}");
            }
        }

        private void SkipElement(int type)
        {
            if (type is 1 or 2) _p++; // a bool element is one byte
            else Skip(type);
        }
    }

    [Theory]
    [InlineData(false, "the footer declares 1099511627776 rows but its row groups hold 3; the footer cannot be trusted")]
    [InlineData(true, "row group 0 declares 1099511627776 rows (at most 16777216 are read); the footer cannot be trusted")]
    public async Task DeclaredSizes_AParquetFooterClaiming2To40RowsFailsTheRunNamingTheTable(bool rowGroup, string reason)
    {
        // README: a whole file that cannot be trusted (a Parquet footer claiming 2^40 rows) fails the run: exit 1, one line.
        using var dir = new TempDir();
        var images = Enumerable.Range(0, 3).Select(i => Png(dir, $"{i}.png", i)).ToArray();
        var l = new DataField<long>("label");
        await Table(dir["t.parquet"], l, g => g.WriteAsync<long>(l, new long[] { 0, 1, 2 }.AsMemory()), images);
        var bytes = File.ReadAllBytes(dir["t.parquet"]);
        // The helper finds the very fields: rewriting them with their own value changes nothing.
        Assert.Equal(bytes, WithRowCount(bytes, 3, rowGroup));
        var table = dir["claim.parquet"];
        File.WriteAllBytes(table, WithRowCount(bytes, 1L << 40, rowGroup));
        var r = Bounded("extract", table, "-o", dir["out.npy"], "--device", "cpu");
        Assert.Equal(1, r.Exit);
        Assert.Equal($"scat: error: {table}: {reason}", Assert.Single(Lines(r.Stderr)));
        Assert.False(File.Exists(dir["out.npy"]));
        var ok = Bounded("extract", dir["t.parquet"], "-o", dir["out.npy"], "--device", "cpu", "-q");
        Assert.True(ok.Exit == 0, ok.Stderr);
    }

    [Fact]
    public async Task ParquetLabels_IntegralFloatsAreLabelsNaNIsMinusOneOthersAreRefused()
    {
        using var dir = new TempDir();
        var images = Enumerable.Range(0, 4).Select(i => Png(dir, $"{i}.png", i)).ToArray();
        // pandas writes integer labels with missing values as floats.
        var f = new DataField<double?>("label");
        await Table(dir["f.parquet"], f, g => g.WriteAsync<double>(f, new double?[] { 3, double.NaN, null, 0 }.AsMemory()), images);
        using (var t = ParquetImageReader.Open(dir["f.parquet"])) Assert.Equal([3, -1, -1, 0], t.Rows().Select(r => r.Label));

        var h = new DataField<float>("label");
        await Table(dir["half.parquet"], h, g => g.WriteAsync<float>(h, new float[] { 1, 1.5f, 2, 3 }.AsMemory()), images);
        using (var t = ParquetImageReader.Open(dir["half.parquet"]))
            Assert.Equal($"{dir["half.parquet"]}: label 1.5 in row 1 is not an integer", Assert.Throws<ScatException>(() => t.Rows().ToList()).Message);

        // Strings are refused, named or not (they were silently ignored: every label −1).
        var str = new DataField<string>("label");
        await Table(dir["s.parquet"], str, g => g.WriteAsync(str, new[] { "cat", "dog", "cat", "eel" }), images);
        var e = Assert.Throws<ScatException>(() => ParquetImageReader.Open(dir["s.parquet"]));
        Assert.Equal($"{dir["s.parquet"]}: the label column 'label' is not an integer column (it holds String; integral floats are accepted, NaN as −1)", e.Message);
    }

    [Fact]
    public async Task SecondPassVerifiesTheFirst_ATableRewrittenAfterItsListingFailsTheRunNamingIt()
    {
        using var dir = new TempDir();
        var file = dir["t.parquet"];
        var images = Enumerable.Range(0, 3).Select(i => Png(dir, $"{i}.png", i)).ToArray();
        var l = new DataField<long>("label");
        await Table(file, l, g => g.WriteAsync<long>(l, new long[] { 0, 1, 2 }.AsMemory()), images);
        using var source = new ParquetTableSource([file], null, null);
        var items = source.List().Items;
        // Rewritten in place (the same file, other images of the same sizes).
        var other = Enumerable.Range(10, 3).Select(i => Png(dir, $"{i}.png", i)).ToArray();
        await Table(dir["u.parquet"], l, g => g.WriteAsync<long>(l, new long[] { 0, 1, 2 }.AsMemory()), other);
        await Task.Delay(20);
        using (var target = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            target.SetLength(0);
            target.Write(File.ReadAllBytes(dir["u.parquet"]));
        }
        var e = Assert.Throws<ScatException>(() => source.Open(items[2], new ImageDecoder(ColorMode.Rgb, null), CancellationToken.None));
        Assert.StartsWith($"{file}: the table changed while it was read (", e.Message);
    }

    // ---- messages ----

    [UnixFact]
    public void Messages_ANameHoldingANewlineCannotForgeASkippedLine()
    {
        using var dir = new TempDir();
        BadFiles.NoisePng(dir["in/good.png"], 8, 8);
        File.WriteAllText(dir["in/x\nskipped forged: nothing.png"], "not an image");
        var r = InProcess.Scat("extract", dir["in"], "-o", dir["out.npy"], "--device", "cpu", "-J", "1");
        Assert.True(r.Exit == 0, r.Stderr);
        var skipped = Assert.Single(InProcess.Lines(r.Stderr), l => l.StartsWith("skipped", StringComparison.Ordinal));
        Assert.StartsWith($"skipped {dir["in"]}/x\\nskipped forged: nothing.png: ", skipped);
    }

    [PermissionFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Messages_AnUnreadableInputSaysCannotRead()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["x.npy"], Npy("2, 8, 8", TwoImages()));
        File.SetUnixFileMode(dir["x.npy"], UnixFileMode.None);
        var r = InProcess.Scat("extract", dir["x.npy"], "-o", dir["out.npy"], "--device", "cpu");
        Assert.Equal(1, r.Exit);
        Assert.StartsWith($"scat: error: cannot read {dir["x.npy"]}: ", Assert.Single(InProcess.Lines(r.Stderr)));
    }
}
