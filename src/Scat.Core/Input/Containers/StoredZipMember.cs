using System.Buffers.Binary;
using System.Text;

namespace Scat.Input.Containers;

/// <summary>
/// Where the bytes of a stored (not compressed) zip member start in the file, so that they can be read with seeks.
/// .NET's ZipArchive gives stored members as forward-only streams (skipping to the last image of a 2 GB stored NPZ
/// member read all 2 GB, measured with /usr/bin/time -v), and it does not expose a member's offset; this reads the
/// central directory (zip64 included) and the member's local header for it.
/// </summary>
internal static class StoredZipMember
{
    /// <summary>The offset of the data of member <paramref name="name"/> when it is stored uncompressed, else null.</summary>
    public static long? DataOffset(FileStream file, string name)
    {
        try { return Find(file, name); }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or OverflowException) { return null; }
    }

    private static long? Find(FileStream file, string name)
    {
        long length = file.Length;
        int tail = (int)Math.Min(length, 22 + 65535);
        var end = new byte[tail];
        file.Position = length - tail;
        file.ReadExactly(end);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(i)) == 0x06054b50) { eocd = i; break; }
        if (eocd < 0) return null;
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(eocd + 16));
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(eocd + 10));
        if (cdOffset == 0xFFFFFFFF || entries == 0xFFFF)
        {
            // The zip64 end-of-central-directory locator sits just before the end record.
            int loc = eocd - 20;
            if (loc < 0 || BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(loc)) != 0x07064b50) return null;
            long z64 = BinaryPrimitives.ReadInt64LittleEndian(end.AsSpan(loc + 8));
            var rec = new byte[56];
            file.Position = z64;
            file.ReadExactly(rec);
            if (BinaryPrimitives.ReadUInt32LittleEndian(rec) != 0x06064b50) return null;
            entries = BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(32));
            cdOffset = BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(48));
        }
        file.Position = cdOffset;
        var header = new byte[46];
        for (long e = 0; e < entries; e++)
        {
            file.ReadExactly(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x02014b50) return null;
            int method = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(10));
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20));
            long size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(24));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(30));
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(32));
            long local = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(42));
            var rest = new byte[nameLength + extraLength + commentLength];
            file.ReadExactly(rest);
            if (Encoding.UTF8.GetString(rest, 0, nameLength) != name) continue;
            if (method != 0) return null;
            if (local == 0xFFFFFFFF)
            {
                // zip64 extra field: the 8-byte values present are, in order, size, compressed size, local offset.
                var extra = rest.AsSpan(nameLength, extraLength);
                while (extra.Length >= 4)
                {
                    int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
                    int len = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                    var data = extra.Slice(4, Math.Min(len, extra.Length - 4));
                    if (id == 1)
                    {
                        int at = (size == 0xFFFFFFFF ? 8 : 0) + (compressed == 0xFFFFFFFF ? 8 : 0);
                        if (data.Length < at + 8) return null;
                        local = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
                        break;
                    }
                    extra = extra[Math.Min(extra.Length, 4 + len)..];
                }
                if (local == 0xFFFFFFFF) return null;
            }
            var lh = new byte[30];
            file.Position = local;
            file.ReadExactly(lh);
            if (BinaryPrimitives.ReadUInt32LittleEndian(lh) != 0x04034b50) return null;
            return local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(lh.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(lh.AsSpan(28));
        }
        return null;
    }
}
