using System.Text.RegularExpressions;
using Scat.Tests.Support;

namespace Scat.Tests.Architecture;

/// <summary>
/// The rooms of the sources depend on each other as docs/ARCHITECTURE.md's table "Rooms and who may use whom" says,
/// and without a loop. A file's references are read from its code (comments and string literals left out): the
/// <c>using</c> lines and every fully qualified name written inline (<c>Scat.Transform.PadIndex.Reflect(…)</c>),
/// each shortened to the namespace it names. A namespace sees its parents without a <c>using</c>, so a room's
/// subfolders are checked as namespaces too.
/// </summary>
public class RoomDependencyTests
{
    private static readonly Regex Namespace = new(@"^namespace\s+(Scat(?:\.\w+)*)", RegexOptions.Multiline);
    private static readonly Regex Reference = new(@"(?<![\w.])Scat(?:\.\w+)+");
    private static readonly Regex Comment = new(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline);
    private static readonly Regex Literal = new(@"@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)'");

    private static string Src => Path.Combine(TestData.RepoRoot, "src");

    private sealed record Source(string File, string Namespace, string Code);

    /// <summary>The code of a C# file without comments and string or character literals.</summary>
    internal static string CodeOf(string text) => Comment.Replace(Literal.Replace(text, "\"\""), "");

    /// <summary>Every file under src/ (bin and obj left out), with its namespace: a file without a namespace
    /// declaration (Program.cs) is in its project's (Scat.Core's top-level files are in <c>Scat</c>).</summary>
    private static List<Source> Sources(string under)
    {
        char sep = Path.DirectorySeparatorChar;
        var sources = new List<Source>();
        foreach (var file in Directory.EnumerateFiles(under, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{sep}obj{sep}") || file.Contains($"{sep}bin{sep}")) continue;
            var text = File.ReadAllText(file);
            string project = Path.GetRelativePath(Src, file).Split(sep)[0];
            string ns = Namespace.Match(text) is { Success: true } m ? m.Groups[1].Value : project == "Scat.Core" ? "Scat" : project;
            sources.Add(new Source(file, ns, CodeOf(text)));
        }
        return sources;
    }

    /// <summary>The declared namespaces that <paramref name="code"/> names (a name is shortened to the longest declared
    /// namespace it starts with: a static using or an inline name ends in a type and member); its own namespace and
    /// its parents left out.</summary>
    internal static HashSet<string> NamespacesUsed(string code, string ownNamespace, IReadOnlySet<string> declared)
    {
        var used = new HashSet<string>();
        foreach (Match r in Reference.Matches(Namespace.Replace(code, "")))
        {
            var name = r.Value;
            while (!declared.Contains(name) && name.Contains('.')) name = name[..name.LastIndexOf('.')];
            if (declared.Contains(name) && !(ownNamespace == name || ownNamespace.StartsWith(name + ".", StringComparison.Ordinal)))
                used.Add(name);
        }
        return used;
    }

    /// <summary>Edges namespace → namespace over the files under <paramref name="under"/>.</summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph(string under)
    {
        var sources = Sources(under);
        var declared = sources.Select(s => s.Namespace).ToHashSet();
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var s in sources)
        {
            var edges = graph.TryGetValue(s.Namespace, out var e) ? e : graph[s.Namespace] = [];
            edges.UnionWith(NamespacesUsed(s.Code, s.Namespace, declared));
        }
        return graph;
    }

    private static string CoreFolder => Path.Combine(Src, "Scat.Core");

    private static string CoreRoom(string ns) => ns.Split('.') is { Length: > 1 } parts ? parts[1] : "(root)";

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path[path.IndexOf(next)..], next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    /// <summary>One row of ARCHITECTURE's table: the room's name, its namespace (from the first folder named, e.g.
    /// <c>Scat.Core/Input/</c> → <c>Scat.Input</c>, <c>src/Scat.Cli/</c> → <c>Scat.Cli</c>) and the rooms it may use.</summary>
    internal sealed record Room(string Name, string Namespace, IReadOnlyList<string> MayUse);

    private static readonly Regex FirstFolder = new(@"`([^`]+)`");

    /// <summary>
    /// Reads the table under "Rooms and who may use whom": columns room | folder | what | may use. "may use" lists
    /// room names separated by commas (anything after a name in parentheses is a remark), or says "everything below"
    /// (the rooms of the rows after it) or "—" (none).
    /// </summary>
    internal static List<Room> ParseTable(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => Regex.IsMatch(l, @"^\|\s*room\s*\|\s*folder\s*\|.*\|\s*may use\s*\|$"));
        Assert.True(header >= 0, "ARCHITECTURE.md has no table with the columns room | folder | … | may use");
        var rows = new List<(string Name, string Namespace, string MayUse)>();
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            Assert.True(cells.Length >= 4, $"a row of the rooms table has {cells.Length} cells: {line}");
            var folder = FirstFolder.Match(cells[1]);
            Assert.True(folder.Success, $"the rooms table names no folder for {cells[0]}");
            var path = folder.Groups[1].Value.Replace("src/", "").TrimEnd('/');
            string ns = path == "Scat.Core" ? "Scat" : path.StartsWith("Scat.Core/", StringComparison.Ordinal)
                ? "Scat." + path["Scat.Core/".Length..].Replace('/', '.') : path.Replace('/', '.');
            rows.Add((cells[0], ns, cells[^1]));
        }
        var names = rows.Select(r => r.Name).ToList();
        var rooms = new List<Room>();
        for (int i = 0; i < rows.Count; i++)
        {
            var cell = Regex.Replace(rows[i].MayUse, @"\([^)]*\)", "").Trim();
            List<string> mayUse;
            if (cell is "—" or "-" or "") mayUse = [];
            else if (cell.Equals("everything below", StringComparison.OrdinalIgnoreCase)) mayUse = names.Skip(i + 1).ToList();
            else
            {
                mayUse = [];
                foreach (var item in cell.Split(',').Select(s => s.Trim()))
                {
                    var name = names.FirstOrDefault(n => n.Equals(item, StringComparison.OrdinalIgnoreCase));
                    Assert.True(name is not null, $"the rooms table says {rows[i].Name} may use '{item}', which is no room of it");
                    mayUse.Add(name!);
                }
            }
            rooms.Add(new Room(rows[i].Name, rows[i].Namespace, mayUse));
        }
        return rooms;
    }

    /// <summary>The room of a namespace: the row whose namespace is its longest prefix (the top-level row, namespace
    /// <c>Scat</c>, holds only its own files: it is no prefix); null when none is.</summary>
    private static Room? RoomOf(string ns, IReadOnlyList<Room> rooms) =>
        rooms.Where(r => ns == r.Namespace || r.Namespace != "Scat" && ns.StartsWith(r.Namespace + ".", StringComparison.Ordinal))
            .MaxBy(r => r.Namespace.Length);

    /// <summary>
    /// Each use of one room by another that the table does not allow, as "A uses B (namespace → namespace)". The
    /// top-level room (Scat.Core's own files: <c>ScatException</c>, <c>Messages</c>, <c>ScatInfo</c>) may be used by
    /// every room, as ARCHITECTURE says below the table; a namespace in no room is reported too.
    /// </summary>
    internal static List<string> Violations(Dictionary<string, HashSet<string>> graph, IReadOnlyList<Room> rooms)
    {
        var top = rooms.FirstOrDefault(r => r.Namespace == "Scat");
        var found = new List<string>();
        foreach (var (ns, used) in graph.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var room = RoomOf(ns, rooms);
            if (room is null) { found.Add($"{ns} is in no room of the table"); continue; }
            foreach (var u in used.Order(StringComparer.Ordinal))
            {
                var other = RoomOf(u, rooms);
                if (other is null) { found.Add($"{u} (used by {ns}) is in no room of the table"); continue; }
                if (other == room || other == top || room.MayUse.Contains(other.Name)) continue;
                found.Add($"{room.Name} uses {other.Name} ({ns} → {u}), which the table does not allow");
            }
        }
        return found;
    }

    private static string Architecture => File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "ARCHITECTURE.md"));

    [Fact]
    public void NamespacesHaveNoLoop()
    {
        var graph = NamespaceGraph(CoreFolder);
        Assert.True(graph.Count >= 8, $"only {graph.Count} namespaces found under {CoreFolder}");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, "dependency loop: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void RoomsHaveNoLoop()
    {
        var rooms = new Dictionary<string, HashSet<string>>();
        foreach (var (ns, used) in NamespaceGraph(CoreFolder))
        {
            var edges = rooms.TryGetValue(CoreRoom(ns), out var e) ? e : rooms[CoreRoom(ns)] = [];
            foreach (var u in used) if (CoreRoom(u) != CoreRoom(ns)) edges.Add(CoreRoom(u));
        }
        var cycle = FindCycle(rooms);
        Assert.True(cycle is null, "dependency loop between Scat.Core folders: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void RoomsUseOnlyWhatArchitecturesTableAllows()
    {
        var rooms = ParseTable(Architecture);
        Assert.True(rooms.Count >= 10, $"only {rooms.Count} rooms read from ARCHITECTURE.md's table");
        var violations = Violations(NamespaceGraph(Src), rooms);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void ArchitectureNamesEveryFolderUnderSrc()
    {
        var text = Architecture;
        char sep = Path.DirectorySeparatorChar;
        var missing = Directory.EnumerateDirectories(Src, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(Src, d))
            .Where(d => !d.Split(sep).Any(p => p is "bin" or "obj"))
            .Where(d => !Regex.IsMatch(text, $@"`[^`\n]*\b{Regex.Escape(Path.GetFileName(d))}/`"))
            .ToList();
        Assert.True(missing.Count == 0, "ARCHITECTURE.md does not name these folders (as `Name/`): " + string.Join(", ", missing));
    }

    [Fact]
    public void TheCycleFinderFindsALoop()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"] = [];
        Assert.Null(FindCycle(graph));
    }

    /// <summary>A fully qualified name written inline is a reference as a <c>using</c> line is; a name in a comment or
    /// a string is not.</summary>
    [Fact]
    public void InlineFullyQualifiedNamesAreRead()
    {
        var declared = new HashSet<string> { "Scat", "Scat.Input", "Scat.Input.Decoding", "Scat.Transform", "Scat.Output" };
        var code = CodeOf("""
            using Scat.Input;
            namespace Scat.Input.Decoding;
            // Scat.Output.NpyWriter is mentioned here only
            class C
            {
                string S = "Scat.Output.X";
                int F(int i, int n) => Scat.Transform.PadIndex.Reflect(i, n);
            }
            """);
        Assert.Equal(["Scat.Transform"], NamespacesUsed(code, "Scat.Input.Decoding", declared).Order());
    }

    /// <summary>The table check fails on a room using one it may not (a fabricated table and graph), and reads
    /// "everything below", "—" and remarks in parentheses.</summary>
    [Fact]
    public void TheTableCheckFindsAForbiddenUse()
    {
        var rooms = ParseTable("""
            | room | folder | what | may use |
            | --- | --- | --- | --- |
            | commands | `src/Scat.Cli/`, `Commands/` | the tool | everything below |
            | input | `Scat.Core/Input/`, `Sources/` | readers | Formats (to read arrays), Transform |
            | formats | `Scat.Core/Formats/` | NPY | — |
            | transform | `Scat.Core/Transform/` | the cascade | — |
            | top level | `Scat.Core/` (its own files) | messages | Transform |
            """);
        Assert.Equal(["input", "formats", "transform", "top level"], rooms[0].MayUse);
        Assert.Equal(["formats", "transform"], rooms[1].MayUse);
        Assert.Equal(["Scat.Cli", "Scat.Input", "Scat.Formats", "Scat.Transform", "Scat"], rooms.Select(r => r.Namespace));

        var allowed = new Dictionary<string, HashSet<string>>
        {
            ["Scat.Cli.Commands"] = ["Scat.Input.Sources", "Scat.Transform"],
            ["Scat.Input.Decoding"] = ["Scat.Transform", "Scat.Formats", "Scat"],
            ["Scat.Transform"] = ["Scat"],
        };
        Assert.Empty(Violations(allowed, rooms));
        allowed["Scat.Transform"].Add("Scat.Input.Decoding");
        allowed["Scat.Formats"] = ["Scat.Pipeline"];
        var found = Violations(allowed, rooms);
        Assert.Equal(
        [
            "Scat.Pipeline (used by Scat.Formats) is in no room of the table",
            "transform uses input (Scat.Transform → Scat.Input.Decoding), which the table does not allow",
        ], found);
    }
}
