using System.Text.RegularExpressions;

namespace Scat.Tests.Architecture;

/// <summary>
/// The rooms of Scat.Core (its top-level folders) depend on each other without a loop, as docs/ARCHITECTURE.md
/// draws them. Read from the <c>using</c> lines of the sources (a namespace sees its parents without one, so
/// a room's subfolders are checked as namespaces too).
/// </summary>
public class RoomDependencyTests
{
    private static readonly Regex Using = new(@"^using\s+(?:static\s+)?(Scat(?:\.\w+)*)", RegexOptions.Multiline);
    private static readonly Regex Namespace = new(@"^namespace\s+(Scat(?:\.\w+)*)", RegexOptions.Multiline);

    private static string CoreFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ScatCli.sln"))) return Path.Combine(dir.FullName, "src", "Scat.Core");
        throw new InvalidOperationException("the repository root (ScatCli.sln) is not above the test binaries");
    }

    /// <summary>Edges namespace → namespace, from every file's namespace to each namespace it uses (static usings: the type's namespace).</summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph()
    {
        var folder = CoreFolder();
        var declared = new HashSet<string>();
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Text: File.ReadAllText(f), File: f)).ToList();
        foreach (var (text, _) in files)
            if (Namespace.Match(text) is { Success: true } m) declared.Add(m.Groups[1].Value);
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var (text, file) in files)
        {
            var ns = Namespace.Match(text) is { Success: true } m ? m.Groups[1].Value : "Scat";
            var edges = graph.TryGetValue(ns, out var e) ? e : graph[ns] = [];
            foreach (Match u in Using.Matches(text))
            {
                var used = u.Groups[1].Value;
                while (!declared.Contains(used) && used.Contains('.')) used = used[..used.LastIndexOf('.')]; // a static using names a type
                if (used != ns && declared.Contains(used)) edges.Add(used);
            }
        }
        return graph;
    }

    private static string Room(string ns) => ns.Split('.') is { Length: > 1 } parts ? parts[1] : "(root)";

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

    [Fact]
    public void NamespacesHaveNoLoop()
    {
        var graph = NamespaceGraph();
        Assert.True(graph.Count >= 8, $"only {graph.Count} namespaces found under {CoreFolder()}");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, "dependency loop: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void RoomsHaveNoLoop()
    {
        var rooms = new Dictionary<string, HashSet<string>>();
        foreach (var (ns, used) in NamespaceGraph())
        {
            var edges = rooms.TryGetValue(Room(ns), out var e) ? e : rooms[Room(ns)] = [];
            foreach (var u in used) if (Room(u) != Room(ns)) edges.Add(Room(u));
        }
        var cycle = FindCycle(rooms);
        Assert.True(cycle is null, "dependency loop between Scat.Core folders: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void TheCycleFinderFindsALoop()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"] = [];
        Assert.Null(FindCycle(graph));
    }
}
