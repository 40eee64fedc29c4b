using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Scat.Tests.Pipeline;
using Scat.Tests.Support;
using Xunit.Abstractions;

namespace Scat.Tests.Hardening;

/// <summary>
/// Issue 22: mutated manifests (bytes of the JSON flipped, set or cut; any field set to a hostile value: null, a
/// wrong type, an extreme number, a path out of the folder, a device; a part replaced by a link out of the folder)
/// read by <c>Manifest.Read</c> (a valid manifest or one line, nothing else) and, when accepted (and for every fiftieth),
/// given to <c>--resume</c>, in process. Every run must end with exit 0, 1 or 2 (never 70, never a hang), leave no
/// file outside the output folder changed or added, release its lock, and stay under a memory bound.
/// Deterministic: mutant i is made from Random(Seed + i).
/// </summary>
public class ManifestFuzzTests(ITestOutputHelper output)
{
    public const int Seed = 20_261_202;
    public const int Count = 2000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    // The working set is the whole test process's, shared with the tests running beside this one (one runs --size 1024
    // in process, some 2.2 GB): the same ceiling as FuzzTests'.
    private const long MemoryCeiling = 3L << 30;

    private static readonly JsonNode?[] Hostile =
    [
        null, JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(int.MaxValue), JsonValue.Create(long.MaxValue),
        JsonValue.Create(1e308), JsonValue.Create(""), JsonValue.Create("../decoy.npy"), JsonValue.Create("/dev/zero"),
        JsonValue.Create("sub/p-00001.npy"), JsonValue.Create("p-00001.npy"), JsonValue.Create("p-00002.meta.npz"),
        JsonValue.Create(".."), JsonValue.Create(true), JsonValue.Create(new string('a', 5000)),
        JsonValue.Create("00000000000000000000000000000000"), JsonValue.Create("p-00000.npy\nskipped x"),
    ];

    private static (string Kind, byte[] Bytes, bool LinkOut) Mutate(byte[] manifest, string decoy, int index)
    {
        var random = new Random(Seed + index);
        var b = (byte[])manifest.Clone();
        switch (random.Next(5))
        {
            case 0:
                {
                    int flips = 1 + random.Next(6);
                    for (int i = 0; i < flips; i++) b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                    return ($"{flips} bit flips", b, false);
                }
            case 1:
                {
                    int keep = random.Next(b.Length);
                    return ($"truncated to {keep}", b[..keep], false);
                }
            case 4:
                return ("a part linked out of the folder", b, true);
            default:
                {
                    // A random node of the document set to a hostile value (or to the decoy's absolute path).
                    var root = JsonNode.Parse(b)!;
                    var nodes = new List<(JsonNode Parent, string? Key, int At)>();
                    void Walk(JsonNode n)
                    {
                        if (n is JsonObject o)
                            foreach (var (k, v) in o.ToList())
                            {
                                nodes.Add((o, k, -1));
                                if (v is not null) Walk(v);
                            }
                        else if (n is JsonArray a)
                            for (int i = 0; i < a.Count; i++)
                            {
                                nodes.Add((a, null, i));
                                if (a[i] is { } v) Walk(v);
                            }
                    }
                    Walk(root);
                    var (parent, key, at) = nodes[random.Next(nodes.Count)];
                    int pick = random.Next(Hostile.Length + 1);
                    var value = pick == Hostile.Length ? JsonValue.Create(decoy) : Hostile[pick]?.DeepClone();
                    if (key is not null) parent[key] = value;
                    else parent.AsArray()[at] = value;
                    return ($"{key ?? at.ToString(System.Globalization.CultureInfo.InvariantCulture)} = {value?.ToJsonString() ?? "null"}",
                        Encoding.UTF8.GetBytes(root.ToJsonString()), false);
                }
        }
    }

    [Fact]
    public void MutatedManifestsEndWithExit012AndTouchNothingOutsideTheFolder()
    {
        using var dir = new TempDir();
        SmallParts.Input(dir);
        var first = InProcess.Scat([.. SmallParts.Args(dir, 5), "-q"]);
        Assert.True(first.Exit == 0, first.Stderr);
        var clean = Directory.GetFiles(dir["out"]).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var manifest = clean["MANIFEST.json"];
        var decoy = dir["decoy.npy"];
        File.Copy(dir["out/p-00001.npy"], decoy);
        string[] Outside() => Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(dir["out"], StringComparison.Ordinal))
            .Select(f => $"{f} {(File.Exists(f) ? new FileInfo(f).Length : -1)} {File.GetLastWriteTimeUtc(f).Ticks}").Order(StringComparer.Ordinal).ToArray();
        var outside = Outside();

        var exits = new Dictionary<int, int>();
        var findings = new List<string>();
        long peak = 0;
        int read = 0, resumed = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count && clock.Elapsed < Budget; i++)
        {
            var (kind, bytes, linkOut) = Mutate(manifest, decoy, i);
            Directory.Delete(dir["out"], recursive: true);
            Directory.CreateDirectory(dir["out"]);
            foreach (var (name, content) in clean) File.WriteAllBytes(Path.Combine(dir["out"], name), content);
            File.WriteAllBytes(dir["out/MANIFEST.json"], bytes);
            if (linkOut)
            {
                File.Delete(dir["out/p-00001.npy"]);
                File.CreateSymbolicLink(dir["out/p-00001.npy"], decoy);
            }
            // Every mutant goes through the validation; those it accepts, and every fiftieth, through a whole --resume.
            bool accepted = false;
            try
            {
                Scat.Output.Manifest.Read(dir["out/MANIFEST.json"], dir["out"]);
                accepted = true;
            }
            catch (ScatException e) when (!e.Message.Contains('\n'))
            {
            }
            catch (Exception e)
            {
                findings.Add($"#{i} [{kind}]: Manifest.Read threw {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            read++;
            if (!accepted && i % 50 != 0) continue;
            var run = InProcess.Scat([.. SmallParts.Args(dir, 5, "--resume", "--threads", "1")]);
            resumed++;
            exits[run.Exit] = exits.GetValueOrDefault(run.Exit) + 1;
            if (run.Exit is not (0 or 1 or 2)) findings.Add($"#{i} [{kind}]: exit {run.Exit}: {run.Stderr.Split('\n')[0]}");
            else if (run.Exit != 0 && InProcess.Lines(run.Stderr).Count(l => l.StartsWith("scat: error:", StringComparison.Ordinal)) != 1)
                findings.Add($"#{i} [{kind}]: not one error line: {run.Stderr}");
            if (!Outside().SequenceEqual(outside)) findings.Add($"#{i} [{kind}]: a file outside the output folder changed");
            if (File.Exists(dir["out/.MANIFEST.json.lock"])) findings.Add($"#{i} [{kind}]: the lock was left");
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
            if (findings.Count > 20) break;
        }
        output.WriteLine($"manifest fuzz: {read} mutants (seed {Seed}), {resumed} of them resumed, in {clock.Elapsed.TotalSeconds:0.0} s, exits " +
            string.Join(", ", exits.OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.Value}")) + $", peak working set {peak >> 20} MiB");
        Assert.True(findings.Count == 0, string.Join("\n", findings));
        Assert.True(read >= 300 && resumed >= 30, $"only {read} mutants ({resumed} resumed) ran in the time budget");
        Assert.True(peak < MemoryCeiling, $"peak working set {peak >> 20} MiB");
    }
}
