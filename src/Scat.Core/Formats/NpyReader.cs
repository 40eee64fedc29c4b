using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Scat.Formats;

/// <summary>The parsed header of an NPY stream.</summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape, int DataOffset)
{
    /// <summary>The number of elements (checked when the header was read: it fits a long).</summary>
    public long Count
    {
        get { long n = 1; foreach (var d in Shape) n = checked(n * d); return n; }
    }
}

/// <summary>A small NPY/NPZ reader (little-endian float32, int64 and unicode arrays, C order).</summary>
internal static partial class NpyReader
{
    /// <summary>The longest header dictionary read (numpy itself refuses headers over 10,000 bytes by default).</summary>
    public const int MaxHeaderBytes = 1 << 16;

    [GeneratedRegex(@"^\{'descr': '(?<descr>[^']+)', 'fortran_order': (?<fortran>True|False), 'shape': \((?<shape>[0-9, ]*)\), \} *\n$")]
    private static partial Regex HeaderPattern();

    public static NpyHeader ReadHeader(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(NpyFormat.Magic)) throw new InvalidDataException("not an NPY file (bad magic)");
        int major = prefix[6];
        long length;
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
            length = BinaryPrimitives.ReadUInt32LittleEndian([prefix[8], prefix[9], rest[0], rest[1]]);
            offset = 12;
        }
        else throw new InvalidDataException($"unsupported NPY version {major}.{prefix[7]}");
        // A declared size, checked before anything is allocated for it.
        if (length > MaxHeaderBytes) throw new InvalidDataException($"the NPY header claims {length} bytes (at most {MaxHeaderBytes} are read)");
        if (stream.CanSeek && stream.Length - stream.Position < length)
            throw new InvalidDataException($"the NPY header claims {length} bytes but the file ends after {stream.Length - stream.Position}");
        var text = new byte[(int)length];
        stream.ReadExactly(text);
        var dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(text);
        var m = HeaderPattern().Match(dict);
        if (!m.Success)
        {
            // Other writers (and other numpy versions) may order the keys differently or use double quotes.
            var d = DescrPattern().Match(dict);
            var f = FortranPattern().Match(dict);
            var s = ShapePattern().Match(dict);
            if (!d.Success || !f.Success || !s.Success) throw new InvalidDataException($"unsupported NPY header: {Messages.Escape(dict.TrimEnd()[..Math.Min(dict.TrimEnd().Length, 200)])}");
            return new NpyHeader(d.Groups["descr"].Value, f.Groups["fortran"].Value == "True", ParseShape(s.Groups["shape"].Value), offset + (int)length);
        }
        return new NpyHeader(m.Groups["descr"].Value, m.Groups["fortran"].Value == "True", ParseShape(m.Groups["shape"].Value), offset + (int)length);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""](?<descr>[^'""]+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(?<fortran>True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\((?<shape>[0-9, L]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>The shape's dimensions; one that does not fit a long, or a product of them that does not, is refused.</summary>
    private static long[] ParseShape(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[parts.Length];
        long product = 1;
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new InvalidDataException($"the NPY shape ({text.Trim()}) has a dimension that is not a number below 2^63");
            if (product > 0 && shape[i] > long.MaxValue / product)
                throw new InvalidDataException($"the NPY shape ({text.Trim()}) has more than 2^63 elements");
            product *= shape[i];
        }
        return shape;
    }

    public static (NpyHeader Header, float[] Data) ReadFloat32(Stream stream)
    {
        var h = ReadHeader(stream);
        Expect(h, NpyFormat.Float32);
        var bytes = ReadBytes(stream, h, 4);
        var data = new float[h.Count];
        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return (h, data);
    }

    public static (NpyHeader Header, long[] Data) ReadInt64(Stream stream)
    {
        var h = ReadHeader(stream);
        Expect(h, NpyFormat.Int64);
        var bytes = ReadBytes(stream, h, 8);
        var data = new long[h.Count];
        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i));
        return (h, data);
    }

    public static (NpyHeader Header, string[] Data) ReadUnicode(Stream stream)
    {
        var h = ReadHeader(stream);
        if (!h.Descr.StartsWith("<U", StringComparison.Ordinal)) throw new InvalidDataException($"expected a unicode array, got {h.Descr}");
        if (!int.TryParse(h.Descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int width))
            throw new InvalidDataException($"bad unicode dtype {h.Descr}");
        var bytes = ReadBytes(stream, h, 4L * width);
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

    /// <summary>The data of an array of <paramref name="itemSize"/>-byte elements, their declared size checked first
    /// (against one array's bound, and against what a seekable stream still holds).</summary>
    private static byte[] ReadBytes(Stream stream, NpyHeader h, long itemSize)
    {
        long count = itemSize == 0 || h.Count <= Array.MaxLength / itemSize ? h.Count * itemSize : -1;
        if (count < 0) throw new InvalidDataException($"the array {NpyFormat.ShapeRepr(h.Shape)} is too large to read");
        if (stream.CanSeek && stream.Length - stream.Position < count)
            throw new InvalidDataException($"the array {NpyFormat.ShapeRepr(h.Shape)} needs {count} bytes but the file holds {stream.Length - stream.Position}");
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
