using System.Reflection;
using System.Text.RegularExpressions;
using Scat.Tests.Support;

namespace Scat.Tests.Hardening;

/// <summary>
/// README's "Errors, exit codes and safety" names, after each promise, the tests that check it. This keeps the names
/// true (a renamed or deleted test fails here) and every promise named: each paragraph and each list item of the
/// section names a test, unless it says why not ("no test: …") or states what is not bounded yet.
/// </summary>
public partial class ReadmePromiseTests
{
    [GeneratedRegex(@"`([A-Za-z_][A-Za-z0-9_.]*)`")]
    private static partial Regex Code();

    private static string Section()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScatCli.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var readme = File.ReadAllText(Path.Combine(dir.FullName, "README.md"));
        int start = readme.IndexOf("\n## Errors, exit codes and safety", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no section 'Errors, exit codes and safety'");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return readme[start..(end < 0 ? readme.Length : end)];
    }

    /// <summary>Test classes and their test methods (a Fact or Theory, or one of their kinds), by class name.</summary>
    private static Dictionary<string, HashSet<string>> Tests() =>
        typeof(ReadmePromiseTests).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Tests", StringComparison.Ordinal))
            .GroupBy(t => t.Name)
            .ToDictionary(g => g.Key, g => g.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
                .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()).Select(m => m.Name).ToHashSet());

    /// <summary>The tests an item names: <c>Class.Method</c>, a class alone, or a method of the class named last.</summary>
    private static List<string> Named(string text, Dictionary<string, HashSet<string>> tests, ref string? current, List<string> wrong)
    {
        var named = new List<string>();
        foreach (Match m in Code().Matches(text))
        {
            var token = m.Groups[1].Value;
            var parts = token.Split('.');
            if (parts.Length == 2 && parts[0].EndsWith("Tests", StringComparison.Ordinal))
            {
                current = parts[0];
                if (!tests.TryGetValue(parts[0], out var methods) || !methods.Contains(parts[1])) wrong.Add(token);
                named.Add(token);
            }
            else if (parts.Length == 1 && token.EndsWith("Tests", StringComparison.Ordinal) && char.IsUpper(token[0]))
            {
                current = token;
                if (!tests.ContainsKey(token)) wrong.Add(token);
                named.Add(token);
            }
            else if (parts.Length == 1 && token.Length >= 12 && char.IsUpper(token[0]) && char.IsLower(token[1]))
            {
                // A method of the class named before it.
                if (current is null || !tests[current].Contains(token)) wrong.Add($"{current}.{token}");
                named.Add(token);
            }
        }
        return named;
    }

    [Fact]
    public void EveryPromiseOfTheSafetySectionNamesATestThatExists()
    {
        var tests = Tests();
        var wrong = new List<string>();
        var unnamed = new List<string>();
        string? current = null;
        var blocks = Section().Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var block in blocks.Skip(1)) // the heading
        {
            if (block.StartsWith('|')) continue; // the exit codes' table: its rows are named in the paragraph after it
            // The block's text before its list, then each list item.
            var lines = block.Split('\n');
            var items = new List<string> { "" };
            foreach (var line in lines)
            {
                if (line.StartsWith("- ", StringComparison.Ordinal)) items.Add(line);
                else items[^1] += "\n" + line;
            }
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i].Trim();
                if (item.Length == 0) continue;
                bool introOfList = i == 0 && items.Count > 1;
                if (Named(item, tests, ref current, wrong).Count == 0 && !introOfList
                    && !item.Contains("no test: ", StringComparison.Ordinal) && !item.StartsWith("Not bounded yet", StringComparison.Ordinal))
                    unnamed.Add(item.Length > 100 ? item[..100] + "…" : item);
            }
        }
        Assert.True(wrong.Count == 0, "README names tests that do not exist: " + string.Join(", ", wrong));
        Assert.True(unnamed.Count == 0, "README promises that name no test:\n" + string.Join("\n", unnamed));
    }
}
