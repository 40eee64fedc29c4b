using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Scat.Formats;
using Scat.Output;
using Scat.Tests.Support;
using Scat.Transform;
using Xunit;

namespace Scat.Tests.Output;

public class FeatureWriterTests
{
    private static readonly ScatteringLayout Layout = new(16, 16, 2, 4, 2);

    private static FeatureMetadata Meta(int channels = 3, params string[] classes) => new(Layout, channels, classes);

    private static float[] Rows(FeatureMetadata meta, int count, int seed)
    {
        var data = new float[count * meta.FloatsPerImage];
        for (int i = 0; i < data.Length; i++) data[i] = seed + i * 0.25f;
        return data;
    }

    [Fact]
    public void HeaderIsNumpysByteForByte()
    {
        // np.save of a float32 array of shape (6, 3, 81, 8, 8) with numpy 1.24.
        var header = NpyFormat.Header(NpyFormat.Float32, 6, 3, 81, 8, 8);
        var expected = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (6, 3, 81, 8, 8), }"
            + new string(' ', 48) + "\n";
        Assert.Equal(Encoding.Latin1.GetBytes(expected), header);
        Assert.Equal(128, header.Length);
    }

    [Theory]
    [InlineData(new long[0], "()")]
    [InlineData(new long[] { 5 }, "(5,)")]
    [InlineData(new long[] { 0 }, "(0,)")]
    [InlineData(new long[] { 123456789012, 2 }, "(123456789012, 2)")]
    public void HeaderIsAlignedAndParsesBack(long[] shape, string repr)
    {
        var header = NpyFormat.Header(NpyFormat.Int64, shape);
        Assert.Equal(0, header.Length % 64);
        Assert.Equal(header.Length - 10, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        Assert.Equal((byte)'\n', header[^1]);
        Assert.Contains($"'shape': {repr}, }}", Encoding.Latin1.GetString(header));
        var parsed = NpyReader.ReadHeader(new MemoryStream(header));
        Assert.Equal(shape, parsed.Shape);
        Assert.Equal("<i8", parsed.Descr);
        Assert.Equal(header.Length, parsed.DataOffset);
    }

    [Fact]
    public void HeaderLengthDoesNotDependOnN()
    {
        Assert.Equal(NpyFormat.Header(NpyFormat.Float32, 0, 3, 81, 8, 8).Length,
            NpyFormat.Header(NpyFormat.Float32, 1234567890123, 3, 81, 8, 8).Length);
    }

    [Fact]
    public void NpyWriterStreamsAndRewritesN()
    {
        using var dir = new TempDir();
        var path = dir["sub/folder/f.npy"];
        var meta = Meta();
        var a = Rows(meta, 2, 1);
        var b = Rows(meta, 3, 7);
        using (var writer = new NpyFeatureWriter(path))
        {
            writer.Begin(meta);
            writer.WriteBatch(a, [0, 1], ["x", "y"]);
            writer.WriteBatch(b, [1, 1, -1], ["p", "q", "r"]);
            Assert.False(File.Exists(path));
            writer.Complete();
        }
        using var stream = File.OpenRead(path);
        var (header, data) = NpyReader.ReadFloat32(stream);
        Assert.Equal([5L, 3, Layout.K, Layout.OutHeight, Layout.OutWidth], header.Shape);
        Assert.Equal([.. a, .. b], data);
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(["f.npy"], Directory.GetFiles(dir["sub/folder"]).Select(Path.GetFileName));
    }

    [Fact]
    public void StreamWriterMatchesFileWriterBytes()
    {
        using var dir = new TempDir();
        var meta = Meta(1);
        var rows = Rows(meta, 4, 3);
        using (var writer = new NpyFeatureWriter(dir["f.npy"]))
        {
            writer.Begin(meta);
            writer.WriteBatch(rows.AsSpan(0, meta.FloatsPerImage), [0], ["a"]);
            writer.WriteBatch(rows.AsSpan(meta.FloatsPerImage), [0, 0, 0], ["b", "c", "d"]);
            writer.Complete();
        }
        var memory = new MemoryStream();
        using (var writer = new NpyStreamFeatureWriter(memory, 4))
        {
            writer.Begin(meta);
            writer.WriteBatch(rows, [0, 0, 0, 0], ["a", "b", "c", "d"]);
            writer.Complete();
        }
        Assert.Equal(File.ReadAllBytes(dir["f.npy"]), memory.ToArray());
    }

    [Fact]
    public void StreamWriterFailsWhenCountDiffersFromHeader()
    {
        var meta = Meta(1);
        using var writer = new NpyStreamFeatureWriter(new MemoryStream(), 2);
        writer.Begin(meta);
        writer.WriteBatch(Rows(meta, 1, 0), [0], ["a"]);
        Assert.Throws<ScatException>(writer.Complete);
    }

    [Fact]
    public void NpzHasEveryMemberWithNumpyDtypes()
    {
        using var dir = new TempDir();
        var path = dir["f.npz"];
        var meta = Meta(3, "cat", "dög");
        var rows = Rows(meta, 3, 2);
        using (var writer = new NpzFeatureWriter(path))
        {
            writer.Begin(meta);
            writer.WriteBatch(rows.AsSpan(0, 2 * meta.FloatsPerImage), [0, 1], ["cat/a.png", "dög/😀.png"]);
            writer.WriteBatch(rows.AsSpan(2 * meta.FloatsPerImage), [-1], ["z.png"]);
            writer.Complete();
        }
        Assert.Equal(["f.npz"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["features.npy", "labels.npy", "paths.npy", "classes.npy", "order.npy", "j1.npy", "theta1.npy", "j2.npy", "theta2.npy", "J.npy", "L.npy"],
            zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength)); // stored, as numpy.savez

        var m = NpyReader.OpenNpz(zip);
        using (var s = m["features"]()) { var (h, d) = NpyReader.ReadFloat32(s); Assert.Equal([3L, 3, Layout.K, Layout.OutHeight, Layout.OutWidth], h.Shape); Assert.Equal(rows, d); }
        using (var s = m["labels"]()) Assert.Equal([0L, 1, -1], NpyReader.ReadInt64(s).Data);
        using (var s = m["paths"]())
        {
            var (h, d) = NpyReader.ReadUnicode(s);
            Assert.Equal("<U9", h.Descr); // code points, not UTF-16 units: "dög/😀.png" is 10 units, 9 code points
            Assert.Equal(["cat/a.png", "dög/😀.png", "z.png"], d);
        }
        using (var s = m["classes"]()) Assert.Equal(["cat", "dög"], NpyReader.ReadUnicode(s).Data);
        using (var s = m["order"]()) Assert.Equal(Layout.Channels.Select(c => (long)c.Order), NpyReader.ReadInt64(s).Data);
        using (var s = m["j1"]()) Assert.Equal(Layout.Channels.Select(c => (long)c.J1), NpyReader.ReadInt64(s).Data);
        using (var s = m["theta1"]()) Assert.Equal(Layout.Channels.Select(c => (long)c.Theta1), NpyReader.ReadInt64(s).Data);
        using (var s = m["j2"]()) Assert.Equal(Layout.Channels.Select(c => (long)c.J2), NpyReader.ReadInt64(s).Data);
        using (var s = m["theta2"]()) Assert.Equal(Layout.Channels.Select(c => (long)c.Theta2), NpyReader.ReadInt64(s).Data);
        using (var s = m["J"]()) { var (h, d) = NpyReader.ReadInt64(s); Assert.Empty(h.Shape); Assert.Equal([2L], d); }
        using (var s = m["L"]()) Assert.Equal([4L], NpyReader.ReadInt64(s).Data);
    }

    [Fact]
    public void NpzWithoutClassesHasAnEmptyClassesArray()
    {
        using var dir = new TempDir();
        var meta = Meta(1);
        using (var writer = new NpzFeatureWriter(dir["f.npz"]))
        {
            writer.Begin(meta);
            writer.WriteBatch(Rows(meta, 1, 0), [-1], ["x.png"]);
            writer.Complete();
        }
        using var zip = ZipFile.OpenRead(dir["f.npz"]);
        using var s = NpyReader.OpenNpz(zip)["classes"]();
        var (h, d) = NpyReader.ReadUnicode(s);
        Assert.Equal([0L], h.Shape);
        Assert.Empty(d);
    }

    [Theory]
    [InlineData("f.npy")]
    [InlineData("f.npz")]
    public void DisposingWithoutCompleteLeavesNothingAndKeepsAnExistingFile(string name)
    {
        using var dir = new TempDir();
        var path = dir[name];
        File.WriteAllText(path, "precious");
        var meta = Meta(1);
        using (var writer = FeatureWriters.ForFile(path))
        {
            writer.Begin(meta);
            writer.WriteBatch(Rows(meta, 1, 0), [0], ["a"]);
            Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // the temporary file beside it
        }
        Assert.Equal([name], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public void AbortRemovesTheFoldersItCreated()
    {
        using var dir = new TempDir();
        var meta = Meta(1);
        using (var writer = FeatureWriters.ForFile(dir["new/deeper/f.npy"]))
            writer.Begin(meta);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void BatchOfTheWrongSizeIsRejected()
    {
        using var dir = new TempDir();
        var meta = Meta(1);
        using var writer = FeatureWriters.ForFile(dir["f.npy"]);
        writer.Begin(meta);
        Assert.Throws<ArgumentException>(() => writer.WriteBatch(new float[meta.FloatsPerImage + 1], [0], ["a"]));
        Assert.Throws<ArgumentException>(() => writer.WriteBatch(new float[meta.FloatsPerImage], [0], ["a", "b"]));
    }

    [Theory]
    [InlineData("x.npy", OutputFormat.Npy)]
    [InlineData("x.NPZ", OutputFormat.Npz)]
    [InlineData("-", OutputFormat.Npy)]
    [InlineData("x.Parquet", OutputFormat.Parquet)]
    public void FormatByExtension(string path, OutputFormat format) => Assert.Equal(format, FeatureWriters.FormatOf(path));

    [Theory]
    [InlineData("x.csv")]
    [InlineData("x")]
    public void UnknownExtensionIsABadArgument(string path) =>
        Assert.Throws<ScatUsageException>(() => FeatureWriters.FormatOf(path));
}
