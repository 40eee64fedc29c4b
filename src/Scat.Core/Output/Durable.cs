namespace Scat.Output;

/// <summary>fsync of a folder, so that a rename into it survives a crash (POSIX; a no-op elsewhere).</summary>
internal static class Durable
{
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Posix.Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the file itself was synced
        try { _ = Posix.FSync(fd); }
        finally { _ = Posix.Close(fd); }
    }
}
