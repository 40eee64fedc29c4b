using System.Globalization;
using Scat.Input;
using Scat.Output;

namespace Scat.Pipeline;

/// <summary>What a run tells its user: skipped files (stderr, --skipped list, --strict), progress, the size of a large
/// output, the closing line, the all-skipped failure.</summary>
internal sealed class RunReport(TextWriter stderr, ExtractOptions options, int total, Action<ExtractProgress>? progress)
{
    private int _done;
    private readonly List<(string Path, string Reason)> _skipped = [];
    private string? _firstReason;

    public int Skipped { get; private set; }

    public void Skip(ImageItem item, string reason)
    {
        reason = reason.Replace('\r', ' ').Replace('\n', ' ');
        // Names come from outside (file names, tar members, Parquet paths): escaped on stderr as in the --skipped list,
        // so that a name holding a newline cannot forge a line.
        if (options.Strict) throw new ScatException($"cannot decode {Messages.Escape(item.FullPath)}: {reason} (--strict)");
        Skipped++;
        _firstReason ??= $"{item.FullPath}: {reason}";
        if (options.SkippedList is not null) _skipped.Add((item.FullPath, reason));
        if (!options.Quiet) stderr.WriteLine($"skipped {Messages.Escape(item.FullPath)}: {Messages.Escape(reason)}");
    }

    /// <summary>A line for the user that is not a skip (an image smaller than the tile).</summary>
    public void Note(string line)
    {
        if (!options.Quiet) stderr.WriteLine(line.Replace('\r', ' ').Replace('\n', ' '));
    }

    /// <summary>Progress before the first image is done: a progress bar shows from the start of the run.</summary>
    public void Start() => progress?.Invoke(new ExtractProgress(0, total, 0));

    /// <summary>
    /// The line before computing when the features to write exceed <paramref name="over"/> bytes:
    /// <paramref name="rows"/> × the floats per image × the dtype's size (before compression, for Parquet).
    /// </summary>
    public void AnnounceSize(FeatureMetadata meta, long rows, long over)
    {
        long bytes = rows * meta.FloatsPerImage * FeatureDTypes.Size(meta.DType);
        if (options.Quiet || bytes <= over) return;
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"this run writes about {bytes / 1e9:0.0} GB of features ({rows} images x {meta.FloatsPerImage} {FeatureDTypes.Name(meta.DType)} values{(options.StoredCompression is null ? "" : ", before compression")})"));
    }

    /// <summary>
    /// The closing line: "N images, K skipped, in T s"; after --resume (<paramref name="kept"/> not null)
    /// "N images computed, M kept from earlier parts, K skipped, in T s".
    /// </summary>
    public void Closing(long computed, long? kept, TimeSpan elapsed)
    {
        if (options.Quiet) return;
        // --tile: the rows are tiles, of the images this run read.
        var (rows, of) = options.Tiling is null ? ("images", "") : ("tiles", $" of {total - Skipped} images");
        string images = kept is { } k ? $"{computed} {rows} computed, {k} kept from earlier parts" : $"{computed} {rows}{of}";
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{images}, {Skipped} skipped, in {elapsed.TotalSeconds:0.0} s"));
    }

    public void Done(int count)
    {
        _done += count;
        progress?.Invoke(new ExtractProgress(_done, total, Skipped));
    }

    /// <summary>A run where every file was skipped fails (after writing the --skipped list).</summary>
    public ScatException AllSkipped()
    {
        WriteSkippedList();
        return new ScatException($"no image could be decoded ({Skipped} file{(Skipped == 1 ? "" : "s")} skipped); the first: {_firstReason}");
    }

    /// <summary>
    /// Writes the --skipped list: one line PATH TAB REASON per skipped file, UTF-8, in listing order; a
    /// backslash, tab, newline or carriage return in a path or reason is written \\, \t, \n, \r.
    /// Written through a temporary file renamed into place, like the output.
    /// </summary>
    public void WriteSkippedList()
    {
        if (options.SkippedList is not { } list) return;
        try
        {
            using var target = new OutputTarget(list);
            using (var text = new StreamWriter(target.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true))
            {
                text.NewLine = "\n";
                foreach (var (path, reason) in _skipped) text.WriteLine($"{Messages.Escape(path)}\t{Messages.Escape(reason)}");
            }
            target.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot write {list} (--skipped): {Messages.FirstClause(e.Message)}", e);
        }
    }
}
