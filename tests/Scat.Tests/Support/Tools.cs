namespace Scat.Tests.Support;

/// <summary>The programs outside .NET that some tests use as references (bash, python3 with numpy or scikit-learn,
/// npm and node for DuckDB), and whether they are here.</summary>
public static class ExternalTools
{
    /// <summary>Debian's python3, which numpy and scikit-learn are installed into (apt-get).</summary>
    public const string SystemPython = "/usr/bin/python3";

    /// <summary>A python3: <see cref="SystemPython"/>, else the first on the PATH; null when there is none.</summary>
    public static string? Python => File.Exists(SystemPython) ? SystemPython : Which("python3");

    /// <summary>The program's path on the PATH, or null.</summary>
    public static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static readonly Lazy<bool> Numpy = new(() => Imports("numpy"));
    private static readonly Lazy<bool> Sklearn = new(() => Imports("numpy, sklearn"));

    public static bool HasNumpy => Numpy.Value;
    public static bool HasSklearn => Sklearn.Value;
    public static bool HasNpm => Which("npm") is not null && Which("node") is not null;

    public const string NoNumpy = "/usr/bin/python3 with numpy not found (apt-get install python3-numpy)";
    public const string NoNpm = "npm/node not found: the DuckDB cross-checks need them";

    private static bool Imports(string modules) => File.Exists(SystemPython) && RunPython("import " + modules).Exit == 0;

    /// <summary>Runs <paramref name="code"/> with <see cref="SystemPython"/> (<c>python3 -c</c>), giving it <paramref name="args"/>.</summary>
    public static (int Exit, string Out, string Err) RunPython(string code, params string[] args) =>
        ChildProcess.Run(SystemPython, ["-c", code, .. args], timeoutMs: 60_000);
}
