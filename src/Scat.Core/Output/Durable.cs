using System.Runtime.InteropServices;

namespace Scat.Output;

/// <summary>fsync of a folder, so that a rename into it survives a crash (POSIX; a no-op elsewhere).</summary>
internal static class Durable
{
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the file itself was synced
        try { _ = FSync(fd); }
        finally { _ = Close(fd); }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
