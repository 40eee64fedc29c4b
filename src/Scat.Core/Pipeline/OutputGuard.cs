using Scat.Input;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>
/// Files that belong to the user are never written (issue 22): before the run takes its lock, removes or writes
/// anything, every file it would write or remove — the output (or, with --part-size, the manifest and the parts and
/// sidecars of its own pattern that exist), and the --skipped file — is compared with the inputs: the INPUT files as
/// expanded, the --files-from list and every listed image. Files are compared as files (device and inode, through
/// every symbolic link), so a link to an input, or an input reached through a link, is found too. One that is an
/// input is refused with one line (exit 2).
/// </summary>
public static class OutputGuard
{
    public static void CheckNotInputs(ExtractOptions o, ImageListing listing)
    {
        var written = WrittenFiles(o)
            .Select(w => (w.Role, w.Path, Status: Posix.Status(w.Path)))
            .Where(w => w.Status is not null)
            .ToList();
        if (written.Count == 0) return; // nothing the run writes exists yet, so none of it is an input
        var byFile = new Dictionary<(ulong, ulong), (string Role, string Path)>();
        foreach (var (role, path, status) in written) byFile.TryAdd((status!.Value.Device, status.Value.Inode), (role, path));
        foreach (var input in Inputs(o, listing))
        {
            if (Posix.Status(input) is not { } s || !byFile.TryGetValue((s.Device, s.Inode), out var hit)) continue;
            bool same = Path.GetFullPath(input) == Path.GetFullPath(hit.Path);
            throw new ScatUsageException(
                $"{hit.Role} {hit.Path} is {(same ? "" : "through a link the same file as ")}the input {input}: scat never writes over an input; give another path");
        }
    }

    private static IEnumerable<(string Role, string Path)> WrittenFiles(ExtractOptions o)
    {
        if (o.SkippedList is { } list) yield return ("the --skipped file", list);
        if (o.Output == FeatureWriters.StandardOutput) yield break;
        if (o.PartSize is null)
        {
            yield return ("the output", o.OutputPath);
            yield break;
        }
        var manifest = PartedOutput.ManifestPathOf(o);
        foreach (var f in PartedOutput.ExistingFiles(o)) yield return (f == manifest ? "the manifest" : "the part file", f);
    }

    private static IEnumerable<string> Inputs(ExtractOptions o, ImageListing listing)
    {
        if (o.FilesFrom is { } from && from != "-") yield return from;
        else if (o.FilesFrom is null)
            foreach (var i in Expanded(o.Inputs).Where(i => i != "-"))
                yield return i;
        foreach (var item in listing.Items) yield return item.FullPath;
    }

    /// <summary>INPUT as expanded; the run's source was made from the same names, so this fails only for a source the
    /// caller gave (bench, tests) whose INPUT names are not files: then its listed items are compared alone.</summary>
    private static IReadOnlyList<string> Expanded(IReadOnlyList<string> inputs)
    {
        try { return InputPatterns.Expand(inputs); }
        catch (ScatException) { return []; }
    }
}
