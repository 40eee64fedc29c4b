using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Scat.Formats;

/// <summary>The parsed header of an NPY stream.</summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape, int DataOffset)
{
    public long Count
    {
        get { long n = 1; foreach (var d in Shape) n *= d; return n; }
    }
}

/// <summary>A small NPY/NPZ reader (little-endian float32, int64 and unicode arrays, C order).</summary>
internal static partial class NpyReader
{
    [GeneratedRegex(@"^\{'descr': '(?<descr>[^']+)', 'fortran_order': (?<fortran>True|False), 'shape': \((?<shape>[0-9, ]*)\), \} *\n$")]
    private static partial Regex HeaderPattern();

    public static NpyHeader ReadHeader(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(NpyFormat.Magic)) throw new InvalidDataException("not an NPY file (bad magic)");
        int major = prefix[6];
        int length;
        int offset;
        if (major == 1)
        {
            length = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
            offset = 10;
        }
        else if (major is 2 or 3)
        {
            Span<byte> rest = stackalloc byte[2];
            stream.ReadExactly(rest);
            length = (int)BinaryPrimitives.ReadUInt32LittleEndian([prefix[8], prefix[9], rest[0], rest[1]]);
            offset = 12;
        }
        else throw new InvalidDataException($"unsupported NPY version {major}.{prefix[7]}");
        var text = new byte[length];
        stream.ReadExactly(text);
        var dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(text);
        var m = HeaderPattern().Match(dict);
        if (!m.Success)
        {
            // Other writers (and other numpy versions) may order the keys differently or use double quotes.
            var d = DescrPattern().Match(dict);
            var f = FortranPattern().Match(dict);
            var s = ShapePattern().Match(dict);
            if (!d.Success || !f.Success || !s.Success) throw new InvalidDataException($"unsupported NPY header: {dict.TrimEnd()}");
            return new NpyHeader(d.Groups["descr"].Value, f.Groups["fortran"].Value == "True", ParseShape(s.Groups["shape"].Value), offset + length);
        }
        return new NpyHeader(m.Groups["descr"].Value, m.Groups["fortran"].Value == "True", ParseShape(m.Groups["shape"].Value), offset + length);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""](?<descr>[^'""]+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(?<fortran>True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\((?<shape>[0-9, L]*)\)")]
    private static partial Regex ShapePattern();

    private static long[] ParseShape(string text) => text
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => long.Parse(s.TrimEnd('L'), CultureInfo.InvariantCulture)).ToArray();

    public static (NpyHeader Header, float[] Data) ReadFloat32(Stream stream)
    {
        var h = ReadHeader(stream);
        Expect(h, NpyFormat.Float32);
        var bytes = ReadBytes(stream, checked((int)(h.Count * 4)));
        var data = new float[h.Count];
        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return (h, data);
    }

    public static (NpyHeader Header, long[] Data) ReadInt64(Stream stream)
    {
        var h = ReadHeader(stream);
        Expect(h, NpyFormat.Int64);
        var bytes = ReadBytes(stream, checked((int)(h.Count * 8)));
        var data = new long[h.Count];
        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i));
        return (h, data);
    }

    public static (NpyHeader Header, string[] Data) ReadUnicode(Stream stream)
    {
        var h = ReadHeader(stream);
        if (!h.Descr.StartsWith("<U", StringComparison.Ordinal)) throw new InvalidDataException($"expected a unicode array, got {h.Descr}");
        int width = int.Parse(h.Descr.AsSpan(2), CultureInfo.InvariantCulture);
        var bytes = ReadBytes(stream, checked((int)(h.Count * 4 * width)));
        var data = new string[h.Count];
        var sb = new StringBuilder();
        for (int i = 0; i < data.Length; i++)
        {
            sb.Clear();
            for (int c = 0; c < width; c++)
            {
                int cp = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * (i * width + c)));
                if (cp == 0) break;
                sb.Append(char.ConvertFromUtf32(cp));
            }
            data[i] = sb.ToString();
        }
        return (h, data);
    }

    /// <summary>Opens the members of an NPZ archive by name without the ".npy" suffix.</summary>
    public static Dictionary<string, Func<Stream>> OpenNpz(ZipArchive archive)
    {
        var members = new Dictionary<string, Func<Stream>>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            var e = entry;
            var name = e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName;
            members[name] = e.Open;
        }
        return members;
    }

    private static void Expect(NpyHeader h, string descr)
    {
        if (h.Descr != descr) throw new InvalidDataException($"expected {descr}, got {h.Descr}");
        if (h.FortranOrder) throw new InvalidDataException("Fortran order is not supported");
    }

    private static byte[] ReadBytes(Stream stream, int count)
    {
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
