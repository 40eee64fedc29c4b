using System.IO.Enumeration;
using System.Runtime.InteropServices;

namespace Scat.Input;

/// <summary>
/// The images of one run and their classes, as torchvision's ImageFolder lists them: the first-level
/// subfolders of an input folder are the classes (sorted by ordinal name, label = index), images are
/// found recursively and taken in ordinal order of their relative path written with '/'.
/// </summary>
public sealed class ImageListing
{
    /// <summary>The extensions searched for in folders (compared case-insensitively).</summary>
    public static IReadOnlyList<string> Extensions { get; } =
        [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"];

    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<ImageItem> Items { get; }

    public ImageListing(IReadOnlyList<string> classes, IReadOnlyList<ImageItem> items)
    {
        Classes = classes;
        Items = items;
    }

    public static bool HasImageExtension(string path)
    {
        var ext = System.IO.Path.GetExtension(path);
        foreach (var e in Extensions)
            if (string.Equals(ext, e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// Lists the images of <paramref name="inputs"/> (folders or image files). Throws
    /// <see cref="ScatException"/> for a missing input or when no image is found.
    /// Hidden entries (names starting with '.') are skipped, as .NET's enumeration does by default.
    /// </summary>
    public static ImageListing Build(IReadOnlyList<string> inputs)
    {
        if (inputs.Count == 0) throw new ScatUsageException("no input given");
        bool prefix = inputs.Count > 1;
        var perInput = new List<(string Input, bool IsFolder, List<(string Rel, string Full, string? Class)> Files)>();
        var classSet = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                foreach (var dir in Directory.EnumerateDirectories(input, "*", new EnumerationOptions { IgnoreInaccessible = true }))
                    classSet.Add(System.IO.Path.GetFileName(dir));
                perInput.Add((input, true, ListFolder(input)));
            }
            else if (File.Exists(input))
            {
                perInput.Add((input, false, [(input, input, null)]));
            }
            else
            {
                throw new ScatException($"input not found: {input}");
            }
        }

        var classes = classSet.ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index[classes[i]] = i;

        var items = new List<ImageItem>();
        foreach (var (input, isFolder, files) in perInput)
        {
            if (isFolder && files.Count == 0)
                throw new ScatException($"no images found in {input} (looked for {string.Join(" ", Extensions)})");
            string folderPrefix = isFolder && prefix ? TrimSeparators(input).Replace('\\', '/') : "";
            foreach (var (rel, full, cls) in files)
            {
                string path = !isFolder ? rel.Replace('\\', '/')
                    : folderPrefix.Length == 0 ? rel
                    : folderPrefix.EndsWith('/') ? folderPrefix + rel : folderPrefix + "/" + rel;
                items.Add(new ImageItem(full, path, cls is null ? -1 : index[cls]));
            }
        }
        return new ImageListing(classes, items);
    }

    /// <summary>
    /// The images named by a list (<c>--files-from</c>): one path a line, relative to the current folder or
    /// absolute, empty lines ignored, in the list's order; each path is kept as the line gives it. With
    /// <paramref name="classesFromParent"/> the class of a file is the name of its parent folder (classes sorted
    /// by ordinal name over the whole list), else every label is −1.
    /// </summary>
    public static ImageListing FromFileList(IEnumerable<string> lines, bool classesFromParent)
    {
        var paths = new List<string>();
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r', '\n');
            if (line.Trim().Length > 0) paths.Add(line);
        }
        if (paths.Count == 0) throw new ScatException("the file list names no image (it is empty)");
        if (!classesFromParent) return new ImageListing([], paths.Select(p => new ImageItem(p, p, -1)).ToList());

        var parents = paths.Select(ParentName).ToList();
        var classes = parents.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index[classes[i]] = i;
        var items = new List<ImageItem>(paths.Count);
        for (int i = 0; i < paths.Count; i++) items.Add(new ImageItem(paths[i], paths[i], index[parents[i]]));
        return new ImageListing(classes, items);
    }

    private static string ParentName(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        var name = folder is null ? "" : System.IO.Path.GetFileName(folder);
        return name.Length == 0 ? (folder ?? "/") : name;
    }

    private static List<(string Rel, string Full, string? Class)> ListFolder(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
        var files = new List<(string Rel, string Full, string? Class)>();
        var loops = new SymlinkLoopGuard(folder);
        var enumeration = new FileSystemEnumerable<string>(folder,
            (ref FileSystemEntry entry) => entry.ToSpecifiedFullPath(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
            ShouldRecursePredicate = loops.ShouldRecurse,
        };
        foreach (var full in enumeration)
        {
            if (!HasImageExtension(full)) continue;
            string rel = System.IO.Path.GetRelativePath(folder, full).Replace(System.IO.Path.DirectorySeparatorChar, '/');
            int slash = rel.IndexOf('/');
            files.Add((rel, full, slash < 0 ? null : rel[..slash]));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Rel, b.Rel));
        return files;
    }

    private static string TrimSeparators(string folder)
    {
        var t = folder.TrimEnd('/', '\\');
        return t.Length == 0 ? folder[..1] : t;
    }

    /// <summary>
    /// Folders are followed through symbolic links (as torchvision's ImageFolder does), except a link that
    /// leads back to a folder on its own path (a loop, e.g. <c>loop -> ..</c>), which would list the same
    /// images again and again until the path grew too long.
    /// </summary>
    private sealed class SymlinkLoopGuard(string root)
    {
        private readonly string _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        private readonly Dictionary<string, string?> _real = new(StringComparer.Ordinal);

        public bool ShouldRecurse(ref FileSystemEntry entry)
        {
            if ((entry.Attributes & FileAttributes.ReparsePoint) == 0) return true; // a real folder cannot loop
            if (OperatingSystem.IsWindows()) return false;
            var target = Real(entry.ToFullPath());
            if (target is null) return false; // broken or itself looping
            for (string? a = Path.TrimEndingDirectorySeparator(Path.GetFullPath(entry.Directory.ToString()));
                 a is not null && a.Length >= _root.Length; a = Path.GetDirectoryName(a))
            {
                if (Real(a) == target) return false;
            }
            return true;
        }

        private string? Real(string path)
        {
            if (_real.TryGetValue(path, out var known)) return known;
            string? result = null;
            var p = RealPath(path, IntPtr.Zero);
            if (p != IntPtr.Zero)
            {
                result = Marshal.PtrToStringUTF8(p);
                Free(p);
            }
            _real[path] = result;
            return result;
        }

        [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
        private static extern IntPtr RealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

        [DllImport("libc", EntryPoint = "free")]
        private static extern void Free(IntPtr pointer);
    }
}
