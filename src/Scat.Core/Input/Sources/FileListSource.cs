namespace Scat.Input;

/// <summary><c>--files-from</c>: the image paths of a list, one a line, in the list's order.</summary>
/// <param name="read">Reads the list's lines (a file or standard input); called once, by <see cref="List"/>.</param>
/// <param name="classesFromParent">The class of an image is its parent folder's name (else label −1).</param>
public sealed class FileListSource(Func<IEnumerable<string>> read, bool classesFromParent) : FileImageSource
{
    /// <summary>A list already in memory.</summary>
    public FileListSource(IReadOnlyList<string> lines, bool classesFromParent) : this(() => lines, classesFromParent) { }

    /// <summary>The list in a file, or on <paramref name="standardInput"/> when <paramref name="source"/> is "-".</summary>
    public static FileListSource FromFile(string source, TextReader standardInput, bool classesFromParent) =>
        new(() => ReadLines(source, standardInput), classesFromParent);

    public override ImageListing List() => ImageListing.FromFileList(read(), classesFromParent);

    private static List<string> ReadLines(string source, TextReader standardInput)
    {
        if (source == "-")
        {
            var lines = new List<string>();
            while (standardInput.ReadLine() is { } line) lines.Add(line);
            return lines;
        }
        try
        {
            return File.ReadLines(source).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScatException($"cannot read the file list {source}: {e.Message}");
        }
    }
}
