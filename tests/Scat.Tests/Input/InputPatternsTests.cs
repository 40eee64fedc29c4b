using System.Diagnostics;
using Scat.Input;
using Scat.Tests.Support;

namespace Scat.Tests.Input;

/// <summary>Brace ranges and lists expanded as bash does (bash itself is the reference), and quoted globs.</summary>
public class InputPatternsTests
{
    [BashTheory]
    [InlineData("shards/train-{000000..000003}.tar")]
    [InlineData("s-{8..11}.tar")]
    [InlineData("s-{09..11}.tar")]
    [InlineData("s-{3..1}.tar")]
    [InlineData("s-{0..10}.tar")]
    [InlineData("s-{-2..02}.tar")]
    [InlineData("{a,b}-{1..2}.tar")]
    [InlineData("a{b,c{1..2}}d")]
    [InlineData("x-{1}.tar")]
    [InlineData("x-{1..}.tar")]
    [InlineData("x-{1..2.tar")]
    [InlineData("plain.tar")]
    public void BracesExpandAsBashDoes(string pattern)
    {
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("for w in " + pattern + "; do printf '%s\\n' \"$w\"; done");
        using var p = Process.Start(psi)!;
        var expected = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        Assert.Equal(expected, InputPatterns.ExpandBraces(pattern));
    }

    [Fact]
    public void QuotedGlobsMatchFileNamesInOrdinalOrder()
    {
        using var dir = new TempDir();
        foreach (var n in new[] { "s-2.tar", "s-10.tar", "s-1.tar", "t-1.tar", ".s-0.tar", "s-1.tar.gz" }) File.WriteAllText(dir[n], "");
        Assert.Equal(new[] { "s-1.tar", "s-10.tar", "s-2.tar" }.Select(n => dir.Path + "/" + n), InputPatterns.Expand([dir.Path + "/s-*.tar"]));
        Assert.Equal(new[] { "s-1.tar", "s-2.tar" }.Select(n => dir.Path + "/" + n), InputPatterns.Expand([dir.Path + "/s-?.tar"]));
        // Braces first, then globs on each name; names without a pattern pass unchanged (existing or not).
        Assert.Equal(new[] { "s-1.tar", "s-2.tar", "t-1.tar", "missing.tar" }.Select(n => dir.Path + "/" + n),
            InputPatterns.Expand([dir.Path + "/{s,t}-?.tar", dir.Path + "/missing.tar"]));
        var e = Assert.Throws<ScatException>(() => InputPatterns.Expand([dir.Path + "/u-*.tar"]));
        Assert.Equal($"no file matches {dir.Path}/u-*.tar", e.Message);
        Assert.Throws<ScatUsageException>(() => InputPatterns.Expand([dir.Path + "/*/s.tar"]));
        Assert.Throws<ScatUsageException>(() => InputPatterns.ExpandBraces("{0..2000000}"));
    }
}
