using System.Runtime.InteropServices;

namespace Scat.Output;

/// <summary>
/// The few libc calls .NET has no API for, in one place: fsync of a folder (<see cref="Durable"/>), what a path is and which file it
/// is (<see cref="Status"/>: statx), and reading a file another process holds locked
/// (<see cref="OutputLock"/>). POSIX only; callers test <see cref="OperatingSystem.IsWindows"/> first.
/// </summary>
internal static class Posix
{
    /// <summary>What a path is, from statx(2) (whose layout is the same on every architecture).</summary>
    public readonly record struct FileStatus(uint Type, ulong Device, ulong Inode, ulong Size)
    {
        public bool IsRegular => Type == 0x8000; // S_IFREG
        public bool IsLink => Type == 0xA000;    // S_IFLNK
    }

    /// <summary>The status of <paramref name="path"/> (of the link itself when <paramref name="followLinks"/> is false), or
    /// null when it does not exist or cannot be reached.</summary>
    public static FileStatus? Status(string path, bool followLinks = true)
    {
        if (OperatingSystem.IsWindows()) return null;
        var buffer = new byte[256];
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1, StatxIno = 0x100, StatxSize = 0x200;
        if (Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxIno | StatxSize, buffer) != 0) return null;
        var b = buffer.AsSpan();
        uint mode = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        ulong ino = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b[32..]);
        ulong size = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b[40..]);
        ulong dev = (ulong)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b[0x88..]) << 32
                    | System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b[0x8C..]);
        return new FileStatus(mode & 0xF000, dev, ino, size);
    }

    /// <summary>Up to <paramref name="max"/> bytes from the start of a file, read without taking a lock (.NET's
    /// FileStream would ask for a shared one and fail beside an exclusive holder); null when it cannot be read.</summary>
    public static byte[]? ReadHead(string path, int max)
    {
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[max];
            nint n = Read(fd, buffer, max);
            return n < 0 ? null : buffer[..(int)n];
        }
        finally { _ = Close(fd); }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
