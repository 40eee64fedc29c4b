using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Scat.Formats;

/// <summary>
/// numpy's NPY format, version 1.0, written exactly as numpy.lib.format does it: magic, version, uint16
/// header length, the dict with sorted keys, 21 − len(repr(shape[0])) spaces of room for growing axis 0,
/// then spaces and '\n' up to a multiple of 64. The header length therefore does not depend on N, so a
/// header can be rewritten in place once N is known.
/// </summary>
internal static class NpyFormat
{
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Align = 64;
    private const int GrowthAxisMaxDigits = 21;

    public const string Float32 = "<f4";
    public const string Int64 = "<i8";
    public static string Unicode(int width) => "<U" + width.ToString(CultureInfo.InvariantCulture);

    public static string ShapeRepr(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 0) return "()";
        if (shape.Length == 1) return "(" + shape[0].ToString(CultureInfo.InvariantCulture) + ",)";
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append(')').ToString();
    }

    public static byte[] Header(string descr, params ReadOnlySpan<long> shape)
    {
        var dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + ShapeRepr(shape) + ", }";
        if (shape.Length > 0)
            dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        int hlen = dict.Length + 1; // + '\n'
        int padlen = Align - ((Magic.Length + 2 + 2 + hlen) % Align); // numpy pads a full 64 when already aligned
        int total = hlen + padlen;
        if (total > ushort.MaxValue) throw new InvalidOperationException("NPY header too long for format 1.0");
        var bytes = new byte[Magic.Length + 4 + total];
        Magic.CopyTo(bytes);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)total);
        Encoding.Latin1.GetBytes(dict, bytes.AsSpan(10));
        bytes.AsSpan(10 + dict.Length, padlen).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private const int WriteChunk = 1 << 20;

    public static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            // In pieces of 1 MiB rather than one write per batch (over 100 MB at --size 128): with dd on this machine
            // kind, 2 GB in 64 MiB writes cost 5.0 s of system time, in 1 MiB writes 1.3 s; in `scat extract --size
            // 128` (2 GB of NPY) the system time went from 4.8-5.0 s to 4.3-4.5 s, CPU that the transform needs on a
            // small machine (docs/benchmarks.md, 2026-12-01).
            var bytes = MemoryMarshal.AsBytes(values);
            for (int at = 0; at < bytes.Length; at += WriteChunk) stream.Write(bytes.Slice(at, Math.Min(WriteChunk, bytes.Length - at)));
            return;
        }
        Span<byte> buffer = stackalloc byte[4096];
        while (!values.IsEmpty)
        {
            int n = Math.Min(values.Length, buffer.Length / 4);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer[(4 * i)..], values[i]);
            stream.Write(buffer[..(4 * n)]);
            values = values[n..];
        }
    }

    public static void WriteInt64s(Stream stream, ReadOnlySpan<long> values)
    {
        if (BitConverter.IsLittleEndian) { stream.Write(MemoryMarshal.AsBytes(values)); return; }
        Span<byte> b = stackalloc byte[8];
        foreach (var v in values) { BinaryPrimitives.WriteInt64LittleEndian(b, v); stream.Write(b); }
    }

    /// <summary>Width (in code points) of a numpy unicode array holding the strings: at least 1, as numpy does.</summary>
    public static int UnicodeWidth(IEnumerable<string> values)
    {
        int width = 1;
        foreach (var s in values) width = Math.Max(width, CodePoints(s));
        return width;
    }

    private static int CodePoints(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    /// <summary>Writes fixed-width UTF-32LE strings, zero-padded to <paramref name="width"/> code points.</summary>
    public static void WriteUnicode(Stream stream, IReadOnlyList<string> values, int width)
    {
        var buffer = new byte[4 * width];
        foreach (var s in values)
        {
            Array.Clear(buffer);
            int i = 0;
            foreach (var rune in s.EnumerateRunes())
            {
                if (i >= width) throw new ArgumentException($"string longer than {width} code points");
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4 * i), rune.Value);
                i++;
            }
            stream.Write(buffer);
        }
    }

    /// <summary>A whole small array: header then data.</summary>
    public static void WriteInt64Array(Stream stream, ReadOnlySpan<long> values, bool scalar = false)
    {
        stream.Write(scalar ? Header(Int64) : Header(Int64, values.Length));
        WriteInt64s(stream, values);
    }

    public static void WriteUnicodeArray(Stream stream, IReadOnlyList<string> values)
    {
        int width = UnicodeWidth(values);
        stream.Write(Header(Unicode(width), values.Count));
        WriteUnicode(stream, values, width);
    }
}
