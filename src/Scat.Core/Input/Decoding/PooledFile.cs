using System.Buffers;

namespace Scat.Input.Decoding;

/// <summary>
/// A small file read whole into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (handed back on dispose),
/// as a read-only seekable stream: one read of the file per image instead of one per pass over it (header,
/// completeness, decode), and no buffer allocated per image.
/// </summary>
internal sealed class PooledFile : MemoryStream
{
    private byte[]? _buffer;

    private PooledFile(byte[] buffer, int length) : base(buffer, 0, length, writable: false, publiclyVisible: true) => _buffer = buffer;

    /// <summary>Reads <paramref name="length"/> bytes (the file's length) from <paramref name="file"/>; a file that
    /// turns out shorter (changed meanwhile) gives what was there.</summary>
    public static PooledFile Read(Stream file, int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int read = file.ReadAtLeast(buffer.AsSpan(0, length), length, throwOnEndOfStream: false);
            return new PooledFile(buffer, read);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The file's bytes (valid until disposed).</summary>
    public ReadOnlySpan<byte> Bytes => _buffer is { } b ? b.AsSpan(0, (int)Length) : throw new ObjectDisposedException(nameof(PooledFile));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }
}
