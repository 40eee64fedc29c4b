using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Scat.Formats;

namespace Scat.Input.Containers;

/// <summary>One image of an array input: its index, its path <c>FILE[i]</c>, its label and its C×H×W values.</summary>
/// <param name="Pixels">C planes of H×W float32, channel-major (plane c at <c>c·H·W</c>). The buffer is reused
/// by the enumeration unless <see cref="NpyArrayReader.Images"/> is asked for fresh buffers.</param>
public sealed record ArrayImage(long Index, string Path, int Label, float[] Pixels);

/// <summary>
/// Images given as a numpy array: an <c>.npy</c> file, or one array of an <c>.npz</c> (the one named by
/// <c>--array-key</c>, default <c>x</c> or the only array). Shape (N, H, W) or (N, C, H, W); dtype float32,
/// float64, uint8 or uint16 in either byte order; values are converted to float32 as they are (no /255).
/// Labels come from an integer <c>labels</c> or <c>y</c> array of length N in the same NPZ, else −1.
/// <para>
/// The data are read as a stream, one image at a time: memory is one image whatever N is. A plain
/// <c>.npy</c> and a stored (not deflated) NPZ member are seekable, so <see cref="Images"/> can start at any
/// index without reading what comes before; a deflated member is read forward from its start. Streaming is
/// preferred over memory-mapping because mapped pages count towards the process's resident set as they are
/// touched (a 2 GB array read through a mapping would show 2 GB of RSS unless unmapped piecewise).
/// </para>
/// Fortran-order arrays are refused with one line (their images are not contiguous in the file).
/// </summary>
public sealed class NpyArrayReader : IDisposable
{
    /// <summary>The file as given.</summary>
    public string File { get; }
    /// <summary>The NPZ member used (without ".npy"), or null for an .npy file.</summary>
    public string? ArrayKey { get; }
    /// <summary>numpy's dtype string of the data, e.g. "&lt;f8".</summary>
    public string Dtype { get; }
    public long Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    /// <summary>True for (N, C, H, W), false for (N, H, W) (then <see cref="Channels"/> is 1).</summary>
    public bool HasChannelAxis { get; }
    /// <summary>Labels of the N images, or null when there is none (every label is then −1).</summary>
    public IReadOnlyList<int>? Labels { get; }
    /// <summary>The name of the array the labels came from ("labels" or "y"), or null.</summary>
    public string? LabelsKey { get; }

    /// <summary>C·H·W: the number of floats of one image.</summary>
    public int ImageLength => checked(Channels * Height * Width);

    private readonly Func<Stream> _openData; // a stream positioned at the first byte of the data
    private readonly int _itemSize;
    private readonly char _kind; // 'f' or 'u'
    private readonly bool _bigEndian;
    private readonly ZipArchive? _zip;

    private NpyArrayReader(string file, string? key, NpyHeader header, long dataBytes, Func<Stream> openData, ZipArchive? zip,
        IReadOnlyList<int>? labels, string? labelsKey)
    {
        File = file;
        ArrayKey = key;
        Dtype = header.Descr;
        _openData = openData;
        _zip = zip;
        Labels = labels;
        LabelsKey = labelsKey;
        string where = Where(file, key);
        if (header.FortranOrder)
            throw new ScatException($"{where}: Fortran-order arrays are not supported (save it with numpy.ascontiguousarray first)");
        (_kind, _itemSize, _bigEndian) = ParseDtype(header.Descr)
            ?? throw new ScatException($"{where}: unsupported dtype {header.Descr} (expected float32, float64, uint8 or uint16)");
        var shape = header.Shape;
        if (shape.Length is not (3 or 4))
            throw new ScatException($"{where}: shape {NpyFormat.ShapeRepr(shape)} is not (N, H, W) or (N, C, H, W)");
        Count = shape[0];
        HasChannelAxis = shape.Length == 4;
        Channels = HasChannelAxis ? ToInt(shape[1], where, "C") : 1;
        Height = ToInt(shape[^2], where, "H");
        Width = ToInt(shape[^1], where, "W");
        if (Channels < 1 || Height < 1 || Width < 1)
            throw new ScatException($"{where}: shape {NpyFormat.ShapeRepr(shape)} has an empty image axis");
        long perImage = (long)Channels * Height * Width;
        if (perImage > Array.MaxLength)
            throw new ScatException($"{where}: one image of shape {NpyFormat.ShapeRepr(shape[1..])} is too large");
        // The declared count against the data the container really holds (a deflated member's, as far as its sizes tell):
        // a header claiming more images than that is a file that cannot be trusted, refused before anything is listed.
        if (dataBytes < 0) throw new ScatException($"{where}: the NPY header runs past the end of the data");
        long bytesPerImage = perImage * _itemSize;
        if (Count > dataBytes / bytesPerImage)
            throw new ScatException($"{where}: the NPY header claims {Count} images of {bytesPerImage} bytes but the data hold {dataBytes} bytes " +
                $"({dataBytes / bytesPerImage} images); the file is truncated or its header cannot be trusted");
    }

    /// <summary>Deflate's own limit: a deflated stream holds at most about 1032 bytes per compressed byte. A member's
    /// declared size is trusted only up to that many times its compressed size.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>The bytes a zip member can really hold: its declared size, bounded by what its compressed bytes can give.</summary>
    private static long MemberBytes(ZipArchiveEntry entry) =>
        Math.Min(entry.Length, entry.CompressedLength <= long.MaxValue / MaxDeflateRatio ? entry.CompressedLength * MaxDeflateRatio : long.MaxValue);

    private static string Where(string file, string? key) => key is null ? file : $"{file} (array '{key}')";

    private static int ToInt(long v, string where, string axis) =>
        v <= int.MaxValue ? (int)v : throw new ScatException($"{where}: axis {axis} of {v} is too large");

    /// <summary>True when the path names an array input (.npy or .npz, any case).</summary>
    public static bool IsArrayFile(string path) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens an .npy or .npz file. Throws <see cref="ScatException"/> with one line naming the file for a missing
    /// file, a missing or ambiguous array, a bad dtype or shape, Fortran order, or labels of the wrong kind or length.
    /// </summary>
    public static NpyArrayReader Open(string file, string? arrayKey = null)
    {
        if (!System.IO.File.Exists(file)) throw new ScatException($"input not found: {file}");
        try
        {
            if (file.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) return OpenNpz(file, arrayKey);
            if (arrayKey is not null) throw new ScatUsageException($"--array-key applies to .npz files, not to {file}");
            NpyHeader header;
            long length;
            using (var s = System.IO.File.OpenRead(file))
            {
                header = NpyReader.ReadHeader(s);
                length = s.Length;
            }
            return new NpyArrayReader(file, null, header, length - header.DataOffset, () =>
            {
                var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                s.Position = header.DataOffset;
                return s;
            }, null, null, null)
            { IsSeekable = true };
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ScatException($"{file}: not a readable numpy array ({e.Message})", e);
        }
    }

    private static NpyArrayReader OpenNpz(string file, string? arrayKey)
    {
        var zip = ZipFile.OpenRead(file);
        try
        {
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var e in zip.Entries)
                entries[e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName] = e;
            string names = entries.Count == 0 ? "none" : string.Join(", ", entries.Keys.Order(StringComparer.Ordinal));
            string key;
            if (arrayKey is not null)
            {
                if (!entries.ContainsKey(arrayKey)) throw new ScatException($"{file}: no array '{arrayKey}' (arrays there: {names})");
                key = arrayKey;
            }
            else if (entries.ContainsKey("x")) key = "x";
            else
            {
                var candidates = entries.Keys.Where(k => k is not ("labels" or "y")).ToList();
                if (candidates.Count != 1)
                    throw new ScatException($"{file}: no array 'x' and {(candidates.Count == 0 ? "no other" : "several")} arrays to choose from; name one with --array-key (arrays there: {names})");
                key = candidates[0];
            }
            var entry = entries[key];
            NpyHeader header;
            using (var s = entry.Open()) header = NpyReader.ReadHeader(s);

            IReadOnlyList<int>? labels = null;
            string? labelsKey = null;
            foreach (var lk in new[] { "labels", "y" })
            {
                if (lk == key || !entries.TryGetValue(lk, out var le)) continue;
                using var ls = le.Open();
                labels = ReadLabels(ls, MemberBytes(le), file, key, lk, header.Shape.Length > 0 ? header.Shape[0] : 0);
                labelsKey = lk;
                break;
            }
            long dataBytes = MemberBytes(entry) - header.DataOffset;
            long? stored;
            using (var fs = System.IO.File.OpenRead(file)) stored = StoredZipMember.DataOffset(fs, entry.FullName);
            // A stored member whose data are found where the central directory says (checked: the same NPY header
            // there) is read from the file with seeks; otherwise (deflated) the member is streamed forward.
            if (stored is { } at && SameHeader(file, at, header))
                return new NpyArrayReader(file, key, header, dataBytes, () => OpenAt(file, at + header.DataOffset), zip, labels, labelsKey) { IsSeekable = true };
            return new NpyArrayReader(file, key, header, dataBytes, () =>
            {
                var s = entry.Open();
                if (s.CanSeek) s.Position = header.DataOffset;
                else Skip(s, header.DataOffset);
                return s;
            }, zip, labels, labelsKey);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    private static FileStream OpenAt(string file, long offset)
    {
        var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        s.Position = offset;
        return s;
    }

    private static bool SameHeader(string file, long at, NpyHeader header)
    {
        try
        {
            using var s = OpenAt(file, at);
            var h = NpyReader.ReadHeader(s);
            return h.Descr == header.Descr && h.FortranOrder == header.FortranOrder && h.Shape.SequenceEqual(header.Shape) && h.DataOffset == header.DataOffset;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException) { return false; }
    }

    /// <summary>True when the images can be reached with seeks (an .npy file, or a stored NPZ member).</summary>
    public bool IsSeekable { get; private init; }

    /// <summary>The labels array (one integer per image), its declared length checked against the image count and its
    /// member's size before anything is allocated, and read in chunks.</summary>
    private static int[] ReadLabels(Stream s, long memberBytes, string file, string imagesKey, string labelsKey, long images)
    {
        string where = $"{file} (array '{labelsKey}')";
        var h = NpyReader.ReadHeader(s);
        if (h.Shape.Length != 1) throw new ScatException($"{where}: labels must be one-dimensional, got shape {NpyFormat.ShapeRepr(h.Shape)}");
        if (h.Descr.Length < 3 || h.Descr[1] is not ('i' or 'u') || !int.TryParse(h.Descr.AsSpan(2), CultureInfo.InvariantCulture, out int size)
            || size is not (1 or 2 or 4 or 8))
            throw new ScatException($"{where}: labels must be integers, got dtype {h.Descr}");
        if (h.FortranOrder && h.Shape.Length > 1) throw new ScatException($"{where}: Fortran-order labels are not supported");
        if (h.Count != images)
            throw new ScatException($"{Where(file, imagesKey)}: the labels array '{labelsKey}' has {h.Count} entries for {images} images");
        if (h.Count > Array.MaxLength || h.Count * size > memberBytes - h.DataOffset)
            throw new ScatException($"{where}: {h.Count} labels of {size} bytes do not fit in the member's {Math.Max(0, memberBytes - h.DataOffset)} bytes of data");
        bool big = h.Descr[0] == '>';
        bool signed = h.Descr[1] == 'i';
        var labels = new int[h.Count];
        var bytes = new byte[size * 8192];
        for (int i = 0; i < labels.Length; i++)
        {
            int inChunk = i % 8192;
            if (inChunk == 0)
            {
                try { s.ReadExactly(bytes.AsSpan(0, (int)Math.Min(bytes.Length, (labels.Length - (long)i) * size))); }
                catch (EndOfStreamException e) { throw new ScatException($"{where}: the labels end inside entry {i} of {labels.Length} (truncated member)", e); }
            }
            var b = bytes.AsSpan(inChunk * size, size);
            long v = (size, signed) switch
            {
                (1, true) => (sbyte)b[0],
                (1, false) => b[0],
                (2, true) => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                (2, false) => big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                (4, true) => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                (4, false) => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
                (8, true) => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
                _ => (long)Math.Min(big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b), long.MaxValue),
            };
            if (v < int.MinValue || v > int.MaxValue) throw new ScatException($"{where}: label {v} at index {i} does not fit a 32-bit integer");
            labels[i] = (int)v;
        }
        return labels;
    }

    /// <summary>(kind, item size, big-endian) of a supported dtype, or null.</summary>
    internal static (char Kind, int Size, bool BigEndian)? ParseDtype(string descr)
    {
        if (descr.Length < 3) return null;
        char order = descr[0];
        if (order is not ('<' or '>' or '|' or '=')) return null;
        bool big = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        return descr[1..] switch
        {
            "f4" => ('f', 4, big),
            "f8" => ('f', 8, big),
            "u1" => ('u', 1, false),
            "u2" => ('u', 2, big),
            _ => null,
        };
    }

    /// <summary>Label of image <paramref name="index"/> (−1 without labels).</summary>
    public int LabelOf(long index) => Labels is null ? -1 : Labels[(int)index];

    /// <summary>Path of image <paramref name="index"/> as written to the output: <c>FILE[i]</c>.</summary>
    public string PathOf(long index) => File + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// The images <paramref name="start"/> … <paramref name="start"/>+<paramref name="count"/>−1 (count −1: to the end),
    /// in order, read as a stream. The <see cref="ArrayImage.Pixels"/> buffer is the same array for every image
    /// unless <paramref name="freshBuffers"/> is set (then each image gets its own). A truncated file throws a
    /// <see cref="ScatException"/> naming the file and the image index.
    /// </summary>
    public IEnumerable<ArrayImage> Images(long start = 0, long count = -1, bool freshBuffers = false)
    {
        if (start < 0 || start > Count) throw new ArgumentOutOfRangeException(nameof(start));
        long end = count < 0 ? Count : Math.Min(Count, start + count);
        if (start >= end) yield break;
        using var stream = _openData();
        long skip = start * (long)ImageLength * _itemSize;
        if (stream.CanSeek) stream.Seek(skip, SeekOrigin.Current);
        else Skip(stream, skip);
        var raw = new byte[Math.Min((long)ImageLength * _itemSize, 1 << 20)];
        float[] pixels = new float[ImageLength];
        for (long i = start; i < end; i++)
        {
            if (freshBuffers && i > start) pixels = new float[ImageLength];
            try { ReadImage(stream, raw, pixels); }
            catch (EndOfStreamException e)
            {
                throw new ScatException($"{Where(File, ArrayKey)}: the data end inside image {i} of {Count} (truncated file)", e);
            }
            yield return new ArrayImage(i, PathOf(i), LabelOf(i), pixels);
        }
    }

    /// <summary>Reads one image's values from the stream (positioned at it) into <paramref name="destination"/> (C·H·W floats).</summary>
    private void ReadImage(Stream stream, byte[] raw, Span<float> destination)
    {
        int perChunk = raw.Length / _itemSize;
        int done = 0;
        while (done < destination.Length)
        {
            int n = Math.Min(perChunk, destination.Length - done);
            var bytes = raw.AsSpan(0, n * _itemSize);
            stream.ReadExactly(bytes);
            Convert(bytes, destination.Slice(done, n));
            done += n;
        }
    }

    private void Convert(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        switch (_kind, _itemSize)
        {
            case ('f', 4):
                if (_bigEndian) for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]);
                else if (BitConverter.IsLittleEndian) System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(dst);
                else for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case ('f', 8):
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)(_bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]));
                break;
            case ('u', 1):
                for (int i = 0; i < dst.Length; i++) dst[i] = bytes[i];
                break;
            case ('u', 2):
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                break;
            default:
                throw new InvalidOperationException("unreachable dtype");
        }
    }

    private static void Skip(Stream s, long count)
    {
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int n = s.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0) throw new EndOfStreamException();
            count -= n;
        }
    }

    public void Dispose() => _zip?.Dispose();
}
