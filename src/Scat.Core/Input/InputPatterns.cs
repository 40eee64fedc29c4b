using System.Globalization;
using System.IO.Enumeration;

namespace Scat.Input;

/// <summary>
/// Expands input names the way WebDataset (braceexpand) and bash do, so that a quoted pattern works without a shell:
/// brace ranges <c>{000000..000127}</c> (zero-padded to the width of the wider end when either end is written with a
/// leading zero, as bash does; descending ranges count down), brace lists <c>{a,b}</c>, nested braces, then globs
/// <c>*</c> and <c>?</c> in the file-name part (matched in the folder, sorted by ordinal name, hidden files
/// excluded). A name with no pattern is returned unchanged (it need not exist).
/// </summary>
public static class InputPatterns
{
    /// <summary>The most names one pattern may expand to.</summary>
    public const int MaxExpansion = 1_000_000;

    /// <summary>Expands every input in order. A glob matching nothing throws <see cref="ScatException"/>.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var result = new List<string>();
        foreach (var input in inputs)
            foreach (var name in ExpandBraces(input))
                result.AddRange(ExpandGlob(name));
        return result;
    }

    /// <summary>Brace expansion alone (ranges and lists), left to right. Unbalanced or single-item braces stay literal.</summary>
    public static IReadOnlyList<string> ExpandBraces(string pattern)
    {
        var results = new List<string>();
        Expand(pattern, results);
        return results;

        static void Expand(string s, List<string> results)
        {
            // The first brace group with a top-level ',' or a valid '..' range.
            for (int open = s.IndexOf('{'); open >= 0; open = s.IndexOf('{', open + 1))
            {
                int close = Matching(s, open);
                if (close < 0) break;
                var inner = s[(open + 1)..close];
                var alternatives = Alternatives(inner);
                if (alternatives is null) continue;
                string head = s[..open], tail = s[(close + 1)..];
                foreach (var a in alternatives)
                {
                    if (results.Count >= MaxExpansion) throw new ScatUsageException($"the pattern {s} expands to more than {MaxExpansion} names");
                    Expand(head + a + tail, results);
                }
                return;
            }
            results.Add(s);
        }
    }

    private static int Matching(string s, int open)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            if (s[i] == '{') depth++;
            else if (s[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    private static List<string>? Alternatives(string inner)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '{') depth++;
            else if (inner[i] == '}') depth--;
            else if (inner[i] == ',' && depth == 0) { parts.Add(inner[start..i]); start = i + 1; }
        }
        parts.Add(inner[start..]);
        if (parts.Count > 1) return parts;
        return Range(inner);
    }

    private static List<string>? Range(string inner)
    {
        int dots = inner.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0) return null;
        string a = inner[..dots], b = inner[(dots + 2)..];
        if (!long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long from)
            || !long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long to)) return null;
        bool padded = HasLeadingZero(a) || HasLeadingZero(b);
        int width = padded ? Math.Max(a.Length, b.Length) : 0;
        // In 128 bits: the ends may be anywhere in a long's range (their difference is not).
        Int128 count = Int128.Abs((Int128)to - from) + 1;
        if (count > MaxExpansion) throw new ScatUsageException($"the range {{{inner}}} has more than {MaxExpansion} values");
        var list = new List<string>((int)count);
        long step = to >= from ? 1 : -1;
        for (long v = from; ; v += step)
        {
            list.Add(Format(v, width));
            if (v == to) break;
        }
        return list;

        static bool HasLeadingZero(string s)
        {
            var digits = s.StartsWith('-') ? s[1..] : s;
            return digits.Length > 1 && digits[0] == '0';
        }

        static string Format(long v, int width)
        {
            if (width == 0) return v.ToString(CultureInfo.InvariantCulture);
            // bash pads negative numbers after the sign to the same total width.
            var digits = Math.Abs(v).ToString(CultureInfo.InvariantCulture);
            return v < 0 ? "-" + digits.PadLeft(width - 1, '0') : digits.PadLeft(width, '0');
        }
    }

    /// <summary>Glob expansion of the file-name part (<c>*</c>, <c>?</c>); a name without them is returned as is.</summary>
    public static IReadOnlyList<string> ExpandGlob(string name)
    {
        int slash = Math.Max(name.LastIndexOf('/'), Path.DirectorySeparatorChar == '\\' ? name.LastIndexOf('\\') : -1);
        string file = name[(slash + 1)..];
        string folder = slash < 0 ? "" : name[..(slash + 1)];
        if (folder.IndexOfAny(['*', '?']) >= 0) throw new ScatUsageException($"{name}: wildcards are only supported in the file name, not in folders");
        if (file.IndexOfAny(['*', '?']) < 0) return [name];
        string search = folder.Length == 0 ? "." : folder;
        if (!Directory.Exists(search)) throw new ScatException($"no file matches {name} (folder {search} not found)");
        var matches = new List<string>();
        foreach (var path in Directory.EnumerateFiles(search, "*", new EnumerationOptions { IgnoreInaccessible = true, MatchType = MatchType.Simple }))
        {
            var n = Path.GetFileName(path);
            if (FileSystemName.MatchesSimpleExpression(file, n, ignoreCase: false)) matches.Add(folder + n);
        }
        if (matches.Count == 0) throw new ScatException($"no file matches {name}");
        matches.Sort(StringComparer.Ordinal);
        return matches;
    }
}
