using System.Buffers.Binary;

namespace Scat.Input.Decoding;

/// <summary>
/// Structural checks that a file is complete. ImageSharp 2.1 decodes many truncated files without an error
/// (PNG, JPEG, GIF, BMP and WebP alike; the missing rows come out black), so a file cut short by a failed copy
/// or download would silently give wrong features. These checks walk the container — PNG chunks to IEND,
/// JPEG segments and scans to EOI, the GIF trailer, the sizes that BMP and WebP (RIFF) headers declare — without
/// decoding. TIFF is not checked.
/// </summary>
internal static class Completeness
{
    /// <summary>Null when the file looks complete and can hold the <paramref name="width"/> × <paramref name="height"/>
    /// pixels its header declares, else a one-line reason. Leaves the position anywhere.</summary>
    public static string? Check(Stream stream, string format, long width, long height)
    {
        stream.Position = 0;
        return format.ToUpperInvariant() switch
        {
            "PNG" => Png(stream, width, height),
            "JPEG" => Jpeg(stream, width, height),
            "GIF" => Gif(stream),
            "BMP" => Bmp(stream),
            "WEBP" => Webp(stream),
            _ => null,
        };
    }

    /// <summary>Deflate's limit: at most about 1032 bytes come out of one compressed byte.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>The one reason of a file too small for its declared size.</summary>
    private static string TooSmall(string format, long coded, long width, long height) =>
        $"truncated {format}: {coded} bytes of coded data cannot hold the {width}x{height} pixels its header declares";

    private static string? Png(Stream s, long width, long height)
    {
        long length = s.Length, pos = 8, idat = 0;
        int bitsPerPixel = 1;
        Span<byte> header = stackalloc byte[8];
        Span<byte> ihdr = stackalloc byte[13];
        while (true)
        {
            s.Position = pos;
            if (s.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8) return "truncated PNG (no IEND chunk)";
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            pos += 12 + size; // length, type, data, CRC
            if (pos > length) return "truncated PNG (a chunk runs past the end of the file)";
            if (header[4..8].SequenceEqual("IHDR"u8) && size >= 13)
            {
                if (s.ReadAtLeast(ihdr, 13, throwOnEndOfStream: false) == 13)
                    bitsPerPixel = ihdr[8] * (ihdr[9] switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 });
            }
            if (header[4..8].SequenceEqual("IDAT"u8)) idat += size;
            if (header[4..8].SequenceEqual("IEND"u8))
            {
                // The rows' bytes (without filter bytes, as a lower bound) cannot come out of fewer compressed bytes.
                long rows = height * ((width * Math.Max(1, bitsPerPixel) + 7) / 8);
                return idat * MaxDeflateRatio < rows ? TooSmall("PNG", idat, width, height) : null;
            }
        }
    }

    private static string? Gif(Stream s)
    {
        s.Position = s.Length - 1;
        return s.ReadByte() == 0x3B ? null : "truncated GIF (no trailer)";
    }

    private static string? Bmp(Stream s)
    {
        Span<byte> header = stackalloc byte[14];
        if (s.ReadAtLeast(header, 14, throwOnEndOfStream: false) < 14) return "truncated BMP header";
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(header[2..]);
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(header[10..]);
        if (offset > s.Length) return "truncated BMP (no pixel data)";
        return declared != 0 && declared > s.Length ? "truncated BMP (shorter than its header says)" : null;
    }

    private static string? Webp(Stream s)
    {
        Span<byte> header = stackalloc byte[8];
        if (s.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8) return "truncated WebP header";
        long declared = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) + 8L;
        return declared > s.Length ? "truncated WebP (shorter than its RIFF header says)" : null;
    }

    /// <summary>
    /// Walks the segments from SOI; entropy-coded data after each SOS is scanned for the next marker. A Huffman-coded
    /// frame needs at least one bit per MCU (its first component's blocks each take a code in some scan): fewer coded
    /// bytes than that (a tiny file declaring 10000×10000) cannot be the image its header declares.
    /// </summary>
    private static string? Jpeg(Stream s, long width, long height)
    {
        const string Truncated = "truncated JPEG (no end-of-image marker)";
        var reader = new ByteReader(s);
        reader.Skip(2); // SOI
        bool huffman = false;
        int maxH = 1, maxV = 1;
        Span<byte> sof = stackalloc byte[6];
        while (true)
        {
            int b = reader.Next();
            if (b < 0) return Truncated;
            if (b != 0xFF) continue; // garbage between segments: tolerated, as decoders do
            int marker;
            do marker = reader.Next(); while (marker == 0xFF);
            if (marker < 0) return Truncated;
            if (marker == 0xD9) // EOI
            {
                long mcus = (width + 8 * maxH - 1) / (8 * maxH) * ((height + 8 * maxV - 1) / (8 * maxV));
                return huffman && reader.Coded * 8 < mcus ? TooSmall("JPEG", reader.Coded, width, height) : null;
            }
            if (marker is 0x00 or 0x01 or (>= 0xD0 and <= 0xD7)) continue; // standalone
            int hi = reader.Next(), lo = reader.Next();
            if (lo < 0) return Truncated;
            int size = (hi << 8) | lo;
            if (size < 2) return Truncated;
            if ((marker is 0xC0 or 0xC1 or 0xC2 or 0xC3 or 0xC5 or 0xC6 or 0xC7) && size >= 8)
            {
                // SOF of a Huffman frame: precision, height, width, components, then (id, sampling, table) each.
                for (int i = 0; i < 6; i++) sof[i] = (byte)Math.Max(0, reader.Next());
                int components = sof[5], read = 6;
                for (int c = 0; c < components && read + 3 <= size - 2; c++, read += 3)
                {
                    reader.Next();
                    int sampling = reader.Next();
                    reader.Next();
                    if (sampling < 0) return Truncated;
                    maxH = Math.Max(maxH, Math.Max(1, sampling >> 4));
                    maxV = Math.Max(maxV, Math.Max(1, sampling & 15));
                }
                huffman = true;
                if (!reader.Skip(size - 2 - read)) return Truncated;
                continue;
            }
            if (!reader.Skip(size - 2)) return Truncated;
            if (marker == 0xDA && !reader.SkipEntropyCodedData()) return Truncated;
        }
    }

    private sealed class ByteReader(Stream stream)
    {
        private const int Block = 1 << 16;
        private readonly byte[] _buffer = new byte[Block + 2]; // room to put a marker back (Unread)
        private int _pos, _end;

        public int Next()
        {
            if (_pos == _end && !Fill()) return -1;
            return _buffer[_pos++];
        }

        public bool Skip(int count)
        {
            while (count > 0)
            {
                if (_pos == _end && !Fill()) return false;
                int n = Math.Min(count, _end - _pos);
                _pos += n;
                count -= n;
            }
            return true;
        }

        /// <summary>Bytes of entropy-coded data skipped so far (all scans).</summary>
        public long Coded { get; private set; }

        /// <summary>Moves to the 0xFF of the first marker that is not a stuffed byte or a restart; false at EOF.</summary>
        public bool SkipEntropyCodedData()
        {
            while (true)
            {
                if (_pos == _end && !Fill()) return false;
                int at = _buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)0xFF);
                if (at < 0) { Coded += _end - _pos; _pos = _end; continue; }
                Coded += at + 1;
                _pos += at + 1;
                int next;
                do next = Next(); while (next == 0xFF);
                if (next < 0) return false;
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7) continue;
                // A real marker: step back so that the segment loop reads 0xFF, marker.
                Unread(next);
                return true;
            }
        }

        private void Unread(int marker)
        {
            // The marker byte is the last one read; the loop needs "FF marker": put both back in the buffer.
            if (_pos >= 2) { _pos -= 2; _buffer[_pos] = 0xFF; _buffer[_pos + 1] = (byte)marker; return; }
            var rest = _buffer.AsSpan(_pos, _end - _pos).ToArray();
            _buffer[0] = 0xFF;
            _buffer[1] = (byte)marker;
            rest.CopyTo(_buffer.AsSpan(2));
            _pos = 0;
            _end = 2 + rest.Length;
        }

        private bool Fill()
        {
            _pos = 0;
            _end = stream.Read(_buffer, 0, Block);
            return _end > 0;
        }
    }
}
