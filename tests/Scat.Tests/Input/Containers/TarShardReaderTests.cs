using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Scat.Input;
using Scat.Input.Containers;
using Scat.Tests.Backends.Cpu;
using Scat.Tests.Cli;
using Scat.Tests.Support;
using Scat.Tests.Transform;

namespace Scat.Tests.Input.Containers;

/// <summary>WebDataset shards written by Python's tarfile (scripts/make-wds-shards.py), read back by scat's reader.</summary>
public class TarShardReaderTests
{
    private static string Digits => Path.Combine(TestData.RepoRoot, "samples", "digits");

    /// <summary>Runs scripts/make-wds-shards.py; returns the member table it prints (shard → [(name, header offset, size)]).</summary>
    internal static Dictionary<string, List<(string Name, long Offset, long Size)>> MakeShards(params string[] args)
    {
        var run = ChildProcess.Run(ExternalTools.Python!, [Path.Combine(TestData.RepoRoot, "scripts", "make-wds-shards.py"), .. args]);
        Assert.True(run.Exit == 0, run.Err);
        var result = new Dictionary<string, List<(string, long, long)>>();
        foreach (var line in run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var doc = JsonDocument.Parse(line).RootElement;
            result[doc.GetProperty("shard").GetString()!] = doc.GetProperty("members").EnumerateArray()
                .Select(m => (m[0].GetString()!, m[1].GetInt64(), m[2].GetInt64())).ToList();
        }
        return result;
    }

    [PythonTheory]
    [InlineData("pax")]
    [InlineData("gnu")]
    public void DigitsShardsHoldTheFolderImagesWithLabelsFromCls(string format)
    {
        using var dir = new TempDir();
        MakeShards("digits", Digits, dir["shards"], "3", format);
        var shards = InputPatterns.Expand([dir["shards"] + "/digits-{000000..000002}.tar"]);
        Assert.Equal(new[] { 0, 1, 2 }.Select(i => dir["shards"] + $"/digits-00000{i}.tar"), shards);

        var samples = shards.SelectMany(s => TarShardReader.ReadShard(s)).ToList();
        var listing = ImageListing.Build([Digits]);
        Assert.Equal(1797, listing.Items.Count);
        Assert.Equal(listing.Items.Count, samples.Count);
        var perShard = samples.GroupBy(s => s.Shard).Select(g => g.Key).ToList();
        Assert.Equal(shards, perShard); // in the listed order, each shard's samples together
        for (int i = 0; i < samples.Count; i++)
        {
            var item = listing.Items[i];
            var s = samples[i];
            Assert.Null(s.Problem);
            Assert.Equal(item.Path[..^4], s.Key); // "3/0062.png" -> key "3/0062"
            Assert.Equal(s.Shard + "/" + item.Path[..^4], s.Path);
            Assert.Equal(item.Path, s.ImageMember);
            Assert.Equal(item.Label, s.Label);
            Assert.Equal(File.ReadAllBytes(item.FullPath), s.Image);
        }
    }

    [PythonFact]
    public void ABadShardNamesEachProblemAndKeepsEverythingElse()
    {
        using var dir = new TempDir();
        var members = MakeShards("corrupt", Digits, dir["c"]);
        var shard = dir["c"] + "/bad-000000.tar";
        var samples = TarShardReader.ReadShard(shard).ToList();
        var longKey = new string('d', 120) + "/long";
        Assert.Equal(["0/0000", "0/0001", "noimage", "broken", "../escape", "/abs/rooted", longKey, "0/0002"], samples.Select(s => s.Key));
        Assert.Equal([0, 0, 3, 4, 5, 6, 7, 0], samples.Select(s => s.Label));
        var byKey = samples.ToDictionary(s => s.Key);
        Assert.Equal("no image member (has: .cls, .json)", byKey["noimage"].Problem);
        Assert.Null(byKey["noimage"].Image);
        // A corrupt image is the decoder's business: its bytes are handed over as they are.
        Assert.Null(byKey["broken"].Problem);
        Assert.Equal("this is not a png"u8.ToArray(), byKey["broken"].Image);
        Assert.Equal(shard + "/../escape", byKey["../escape"].Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Digits, "0", "0006.png")), byKey["/abs/rooted"].Image);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Digits, "0", "0006.png")), byKey[longKey].Image); // pax long name
        Assert.All(samples.Where(s => s.Key != "noimage"), s => Assert.Null(s.Problem));
        // The offsets are those of tarfile's own member table.
        var offsets = members[shard].ToDictionary(m => m.Name, m => m.Offset);
        Assert.Equal(offsets["broken.png"], byKey["broken"].Offset);
        Assert.Equal(offsets["0/0002.png"], byKey["0/0002"].Offset);
        // Names were only names: nothing appeared on disk next to the shard or above it.
        Assert.Equal(["bad-000000.tar", "bad-000001.tar"], Directory.GetFileSystemEntries(dir["c"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(dir.Path, "escape.png")));
    }

    [PythonFact]
    public void ATruncatedShardKeepsTheSamplesBeforeTheDamageAndNamesTheOffset()
    {
        using var dir = new TempDir();
        var members = MakeShards("corrupt", Digits, dir["c"]);
        var good = dir["c"] + "/bad-000001.tar";
        var m = members[good]; // 0003.png, 0003.cls, 0004.png, 0004.cls, 0005.png, 0005.cls
        var bytes = File.ReadAllBytes(good);

        // Inside the data of 0/0004.png: 0/0003 is kept, 0/0004 (unfinished) is dropped.
        long cut = m[2].Offset + 512 + 50;
        var (kept, error) = ReadCut(dir, bytes, cut);
        Assert.Equal(["0/0003"], kept.Select(s => s.Key));
        Assert.Equal(cut, error.Offset);
        Assert.Equal(1, error.SamplesKept);
        Assert.StartsWith(dir["cut.tar"] + ": truncated tar: the data end at byte " + cut, error.Message);
        Assert.Contains("'0/0004.png'", error.Message);
        Assert.Contains("dropped", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        // Inside the header of 0/0005.png: 0/0003 and 0/0004 (complete) are kept.
        cut = m[4].Offset + 100;
        (kept, error) = ReadCut(dir, bytes, cut);
        Assert.Equal(["0/0003", "0/0004"], kept.Select(s => s.Key));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Digits, "0", "0004.png")), kept[1].Image);
        Assert.Equal(2, error.SamplesKept);
        Assert.Contains($"at byte {m[4].Offset}", error.Message);

        // A corrupt header (its checksum no longer matches): named with the header's offset.
        var corrupt = (byte[])bytes.Clone();
        corrupt[m[2].Offset + 3] ^= 0x55; // a byte of the member name
        File.WriteAllBytes(dir["corrupt.tar"], corrupt);
        var read = new List<TarSample>();
        var e = Assert.Throws<TarDamageException>(() => { foreach (var s in TarShardReader.ReadShard(dir["corrupt.tar"])) read.Add(s); });
        Assert.Equal(["0/0003"], read.Select(s => s.Key));
        Assert.Equal(m[2].Offset, e.Offset);
        Assert.Equal(dir["corrupt.tar"] + $": corrupt tar at byte {m[2].Offset} (the member header's checksum does not match); 1 sample before it kept", e.Message);

        // A corrupt size field (GNU tar: "Skipping to next header"): the checksum catches it too, not a bogus truncation.
        corrupt = (byte[])bytes.Clone();
        corrupt[m[2].Offset + 124 + 3] ^= 0x01;
        File.WriteAllBytes(dir["corrupt.tar"], corrupt);
        e = Assert.Throws<TarDamageException>(() => TarShardReader.ReadShard(dir["corrupt.tar"]).ToList());
        Assert.Equal(m[2].Offset, e.Offset);
        // The rule itself accepts what Python wrote.
        Assert.True(TarShardReader.ChecksumMatches(bytes.AsSpan((int)m[2].Offset, 512)));
    }

    private static (List<TarSample> Kept, TarDamageException Error) ReadCut(TempDir dir, byte[] bytes, long cut)
    {
        File.WriteAllBytes(dir["cut.tar"], bytes[..(int)cut]);
        var kept = new List<TarSample>();
        var e = Assert.Throws<TarDamageException>(() => { foreach (var s in TarShardReader.ReadShard(dir["cut.tar"])) kept.Add(s); });
        Assert.Equal(dir["cut.tar"], e.Shard);
        return (kept, e);
    }

    [PythonFact]
    public void AGzippedShardAndAPipeGiveTheSameSamples()
    {
        using var dir = new TempDir();
        MakeShards("digits", Digits, dir["s"], "3");
        var plain = TarShardReader.ReadShard(dir["s"] + "/digits-000001.tar").ToList();
        using (var input = File.OpenRead(dir["s"] + "/digits-000001.tar"))
        using (var output = File.Create(dir["s1.tar.gz"]))
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
            input.CopyTo(gz);
        var gzipped = TarShardReader.ReadShard(dir["s1.tar.gz"]).ToList();
        // A forward-only stream, as a pipe is.
        using var pipe = new ForwardOnly(File.OpenRead(dir["s"] + "/digits-000001.tar"));
        var piped = TarShardReader.ReadSamples(pipe, "-").ToList();
        Assert.True(plain.Count > 500);
        Assert.Equal(plain.Select(s => (s.Key, s.Label, Convert.ToHexString(s.Image!))), gzipped.Select(s => (s.Key, s.Label, Convert.ToHexString(s.Image!))));
        Assert.Equal(plain.Select(s => (s.Key, s.Label, Convert.ToHexString(s.Image!))), piped.Select(s => (s.Key, s.Label, Convert.ToHexString(s.Image!))));
        Assert.Equal("-/" + plain[0].Key, piped[0].Path);
    }

    [Fact]
    public void SeveralImagesInASampleAreChosenByImageExt()
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
        {
            void Add(string name, string text)
            {
                var e = new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
                w.WriteEntry(e);
            }
            Add("a.jpg", "A-JPG"); Add("a.png", "A-PNG"); Add("a.cls", " 12\n");
            Add("b.jpg", "B-JPG"); Add("b.seg.png", "B-SEG"); Add("b.json", "{}");
            Add("sub/c.PNG", "C-PNG"); Add("sub/c.cls", "2");
            Add("d.seg.png", "D-SEG");
            Add("e.png", "E-PNG"); Add("e.cls", "x");
        }
        List<TarSample> Read(string? ext) { ms.Position = 0; return TarShardReader.ReadSamples(new ForwardOnly(ms, leaveOpen: true), "s.tar", ext).ToList(); }

        var auto = Read(null);
        Assert.Equal(["a", "b", "sub/c", "d", "e"], auto.Select(s => s.Key));
        Assert.Equal("several images (.jpg, .png): choose one with --image-ext", auto[0].Problem);
        Assert.Equal(12, auto[0].Label);
        Assert.Equal("B-JPG", Encoding.UTF8.GetString(auto[1].Image!)); // the plain extension over "seg.png"
        Assert.Equal("C-PNG", Encoding.UTF8.GetString(auto[2].Image!));
        Assert.Equal(2, auto[2].Label);
        Assert.Equal("D-SEG", Encoding.UTF8.GetString(auto[3].Image!));
        Assert.Equal("the .cls member is not an integer: 'x'", auto[4].Problem);
        Assert.Null(auto[4].Image); // a sample with a problem carries no image: it is skipped
        Assert.Equal([null, null, null], auto[1..4].Select(s => s.Problem));

        var png = Read(".png");
        Assert.Equal("A-PNG", Encoding.UTF8.GetString(png[0].Image!));
        Assert.Equal("no .png member (has: .jpg, .seg.png, .json)", png[1].Problem);
        Assert.Equal("C-PNG", Encoding.UTF8.GetString(png[2].Image!)); // extensions compare case-insensitively
        Assert.Equal("B-SEG", Encoding.UTF8.GetString(Read("seg.png")[1].Image!));
    }

    [Fact]
    public void MembersAreGroupedByKeyWithinTheirFolder()
    {
        Assert.Equal(("train/000010042", "jpg"), TarShardReader.SplitName("train/000010042.jpg"));
        Assert.Equal(("a.b/c", "seg.png"), TarShardReader.SplitName("a.b/c.seg.png"));
        Assert.Equal(("noext", ""), TarShardReader.SplitName("noext"));
        Assert.True(TarShardReader.IsImageExtension("seg.PNG"));
        Assert.False(TarShardReader.IsImageExtension("cls"));
        Assert.True(TarShardReader.IsTarInput("-") && TarShardReader.IsTarInput("x.TAR") && TarShardReader.IsTarInput("x.tar.gz"));
        Assert.False(TarShardReader.IsTarInput("x.tar.zst"));
        var e = Assert.Throws<ScatException>(() => TarShardReader.ReadShard("/nonexistent/x.tar"));
        Assert.Equal("input not found: /nonexistent/x.tar", e.Message);
    }
}

/// <summary>A stream that can only be read forward, as a pipe.</summary>
internal sealed class ForwardOnly(Stream inner, bool leaveOpen = false) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 700)); // short reads too
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing && !leaveOpen) inner.Dispose(); base.Dispose(disposing); }
}
