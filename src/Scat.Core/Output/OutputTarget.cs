namespace Scat.Output;

/// <summary>
/// A file written under a temporary name (".NAME.tmp-RANDOM" beside the destination) and renamed into
/// place by <see cref="Commit"/>. Disposing without commit deletes the temporary file (and any folders it
/// had to create), leaving an existing destination untouched.
/// </summary>
internal sealed class OutputTarget : IDisposable
{
    private readonly List<string> _createdFolders = [];
    private bool _committed;

    public string Destination { get; }
    public string TempPath { get; }
    public FileStream Stream { get; }

    public OutputTarget(string destination, string tag = "tmp")
    {
        Destination = Path.GetFullPath(destination);
        var folder = Path.GetDirectoryName(Destination)!;
        CreateFolder(folder);
        TempPath = Path.Combine(folder, $".{Path.GetFileName(Destination)}.{tag}-{Path.GetRandomFileName().Replace(".", "")}");
        try
        {
            Stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch
        {
            RemoveCreatedFolders();
            throw;
        }
    }

    /// <summary>Closes the stream and renames the temporary file to the destination.</summary>
    /// <param name="overwrite">false: fail (<see cref="ScatException"/>) rather than replace a file at the
    /// destination; the check and the rename are one atomic step (File.Move without overwrite).</param>
    /// <param name="durable">true: the data are flushed to disk (fsync) before the rename and the rename after it
    /// (the folder is synced), so a finished part survives a crash or power loss (issue 14).</param>
    public void Commit(bool overwrite = true, bool durable = false)
    {
        Stream.Flush(flushToDisk: durable);
        Stream.Dispose();
        try
        {
            File.Move(TempPath, Destination, overwrite);
        }
        catch (IOException) when (!overwrite && (File.Exists(Destination) || Directory.Exists(Destination)))
        {
            throw new ScatException($"{Destination} appeared during the run; not replaced (--no-clobber)");
        }
        _committed = true;
        if (durable) Durable.SyncFolder(Path.GetDirectoryName(Destination)!);
    }

    /// <summary>Closes and deletes the temporary file, used for intermediate files that are never committed.</summary>
    public void Dispose()
    {
        // Closing flushes what is buffered, which fails again on a full disk: the file is deleted all the same.
        try { Stream.Dispose(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (_committed) return;
        try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        RemoveCreatedFolders();
    }

    private void CreateFolder(string folder)
    {
        var missing = new List<string>();
        for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f))
            missing.Add(f);
        Directory.CreateDirectory(folder);
        _createdFolders.AddRange(missing); // deepest first
    }

    private void RemoveCreatedFolders()
    {
        foreach (var f in _createdFolders)
        {
            try
            {
                if (Directory.Exists(f) && !Directory.EnumerateFileSystemEntries(f).Any()) Directory.Delete(f);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
