using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Scat.Tests.Support;

/// <summary>An array read from an NPY file (numpy.lib.format 1.0/2.0), kept as raw little-endian bytes.</summary>
public sealed record NpyArray(string Descr, int[] Shape, byte[] Data)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    public float[] AsFloat32()
    {
        Assert.Equal("<f4", Descr);
        var r = new float[Count];
        Buffer.BlockCopy(Data, 0, r, 0, Data.Length);
        return r;
    }

    public long[] AsInt64()
    {
        Assert.Equal("<i8", Descr);
        var r = new long[Count];
        Buffer.BlockCopy(Data, 0, r, 0, Data.Length);
        return r;
    }

    public long ScalarInt() => Descr switch
    {
        "<i8" => BitConverter.ToInt64(Data),
        "<i4" => BitConverter.ToInt32(Data),
        "|b1" => Data[0],
        _ => throw new InvalidOperationException(Descr),
    };

    public string[] AsStrings()
    {
        var m = Regex.Match(Descr, @"^<U(\d+)$");
        Assert.True(m.Success, $"not a unicode array: {Descr}");
        int width = int.Parse(m.Groups[1].Value);
        var r = new string[Count];
        for (int i = 0; i < r.Length; i++)
            r[i] = Encoding.UTF32.GetString(Data, i * width * 4, width * 4).TrimEnd('\0');
        return r;
    }
}

/// <summary>Minimal independent NPY/NPZ reader for tests (no code shared with the writers under test).</summary>
public static class NpyFile
{
    public static NpyArray Read(Stream s)
    {
        var head = new byte[10];
        s.ReadExactly(head);
        Assert.True(head[0] == 0x93 && Encoding.ASCII.GetString(head, 1, 5) == "NUMPY", "bad NPY magic");
        int major = head[6];
        int headerLen;
        int prefix;
        if (major == 1) { headerLen = BitConverter.ToUInt16(head, 8); prefix = 10; }
        else
        {
            var two = new byte[2];
            s.ReadExactly(two);
            headerLen = BitConverter.ToInt32([head[8], head[9], two[0], two[1]]);
            prefix = 12;
        }
        var hb = new byte[headerLen];
        s.ReadExactly(hb);
        Assert.Equal(0, (prefix + headerLen) % 64);
        string header = Encoding.Latin1.GetString(hb);
        Assert.EndsWith("\n", header);
        var descr = Regex.Match(header, @"'descr':\s*'([^']+)'").Groups[1].Value;
        Assert.Contains("'fortran_order': False", header);
        var shapeText = Regex.Match(header, @"'shape':\s*\(([^)]*)\)").Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int itemSize = descr switch
        {
            "<f4" or "<i4" => 4,
            "<f8" or "<i8" => 8,
            "|b1" => 1,
            _ when descr.StartsWith("<U") => 4 * int.Parse(descr[2..]),
            _ => throw new InvalidOperationException($"unsupported dtype {descr}"),
        };
        var data = new byte[count * itemSize];
        s.ReadExactly(data);
        Assert.Equal(-1, s.ReadByte());
        return new NpyArray(descr, shape, data);
    }

    public static NpyArray Read(string path)
    {
        using var f = File.OpenRead(path);
        return Read(f);
    }

    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var d = new Dictionary<string, NpyArray>();
        foreach (var e in zip.Entries)
        {
            Assert.EndsWith(".npy", e.FullName);
            using var s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            ms.Position = 0;
            d[e.FullName[..^4]] = Read(ms);
        }
        return d;
    }
}
