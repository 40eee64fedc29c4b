using System.Globalization;
using System.Text;

namespace Scat.Output;

/// <summary>
/// The lock of a <c>--part-size</c> run's manifest (".MANIFEST.json.lock" beside it): one run at a time writes a
/// manifest and its parts, so that no run removes the temporary files or parts of another (issue 22). The file is
/// held open with an exclusive lock (flock, which ends with the process, however it ends) and holds "PID START
/// HOST": the holder's process id, its start time (clock ticks since boot, from /proc) and host name. A run finding
/// it held is refused with one line naming the holder. A lock left by a killed run is taken over: its flock is gone,
/// and its PID is no longer running, or runs a process that started at another time (the pid was reused); a file
/// naming a live process with that start time on this host is refused even when its flock is free (a file system
/// that does not share flocks). Disposing deletes the file.
/// </summary>
public sealed class OutputLock : IDisposable
{
    private FileStream? _stream;

    public string Path { get; }

    private OutputLock(string path, FileStream stream) => (Path, _stream) = (path, stream);

    /// <summary>The lock file of a manifest.</summary>
    public static string PathOf(string manifestPath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(manifestPath)!, $".{System.IO.Path.GetFileName(manifestPath)}.lock");

    /// <summary>Takes the lock of <paramref name="manifestPath"/> (creating its folder); throws <see cref="ScatException"/>
    /// with one line when another run holds it.</summary>
    /// <param name="notice">Told when a stale lock of an ended run is taken over.</param>
    public static OutputLock Acquire(string manifestPath, Action<string>? notice = null)
    {
        var path = PathOf(System.IO.Path.GetFullPath(manifestPath));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        for (int attempt = 0; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                throw Held(path, Holder.Parse(Posix.ReadHead(path, 256)));
            }
            // The holder before us may have deleted the file between our open and our flock: ours would then be the
            // lock of a file no one else can find. Start again with the file now at the path.
            if (!StillAtPath(stream, path) && attempt < 5)
            {
                stream.Dispose();
                continue;
            }
            try
            {
                var before = Holder.Parse(ReadAll(stream));
                if (before is { } h && h.IsRunning && h.Pid != Environment.ProcessId)
                {
                    stream.Dispose();
                    throw Held(path, h);
                }
                if (before is { } ended) notice?.Invoke($"took over the lock {path} of an ended run (pid {ended.Pid})");
                stream.SetLength(0);
                stream.Write(Encoding.UTF8.GetBytes(Holder.Current().ToString() + "\n"));
                stream.Flush(flushToDisk: true);
                return new OutputLock(path, stream);
            }
            catch (Exception) when (stream.CanRead)
            {
                stream.Dispose();
                throw;
            }
        }
    }

    private static ScatException Held(string path, Holder? h) =>
        new($"another scat run{(h is { } x ? $" (pid {x.Pid} on {x.Host})" : "")} is writing into {System.IO.Path.GetDirectoryName(path)} (lock {System.IO.Path.GetFileName(path)}): wait for it to end");

    private static byte[] ReadAll(FileStream stream)
    {
        if (stream.Length > 256) return [];
        var bytes = new byte[stream.Length];
        stream.Position = 0;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static bool StillAtPath(FileStream stream, string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
        var fd = new FileInfo($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}");
        return fd.LinkTarget is not { } target || !target.EndsWith(" (deleted)", StringComparison.Ordinal);
    }

    /// <summary>Deletes the lock file, then releases the flock.</summary>
    public void Dispose()
    {
        var stream = Interlocked.Exchange(ref _stream, null);
        if (stream is null) return;
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        stream.Dispose();
    }

    /// <summary>What a lock file says: the holder's pid, start time and host.</summary>
    internal readonly record struct Holder(int Pid, long StartTime, string Host)
    {
        public static Holder Current() => new(Environment.ProcessId, StartTimeOf(Environment.ProcessId) ?? 0, Environment.MachineName);

        /// <summary>Whether the holder still runs: same host, and its pid runs a process started at the same time.</summary>
        public bool IsRunning => Host == Environment.MachineName && StartTimeOf(Pid) is { } now && now == StartTime;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid} {StartTime} {Host}");

        public static Holder? Parse(byte[]? bytes)
        {
            if (bytes is null) return null;
            var fields = Encoding.UTF8.GetString(bytes).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length == 3 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                   && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                ? new Holder(pid, start, fields[2]) : null;
        }

        /// <summary>A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null when no such
        /// process runs. Without /proc: 0 for any running process.</summary>
        public static long? StartTimeOf(int pid)
        {
            if (!OperatingSystem.IsLinux())
            {
                try { using var p = System.Diagnostics.Process.GetProcessById(pid); return p.HasExited ? null : 0; }
                catch (ArgumentException) { return null; }
            }
            string stat;
            try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        }
    }
}
