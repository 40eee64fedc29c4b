using System.Diagnostics;

namespace Scat.Tests.Support;

/// <summary>Why a file-permission check cannot run here: Windows has no Unix modes, and root reads and writes anything.</summary>
internal static class Permissions
{
    public static readonly bool IsRoot = Environment.IsPrivilegedProcess;

    public static string? CannotDeny =>
        OperatingSystem.IsWindows() ? "Unix file modes are needed" :
        IsRoot ? "running as root, which reads and writes any file: a denied permission cannot be produced" : null;
}

/// <summary>A fact that needs a denied file permission; skipped, with the reason, as root or on Windows.</summary>
public sealed class PermissionFactAttribute : FactAttribute
{
    public PermissionFactAttribute()
    {
        if (Permissions.CannotDeny is { } why) Skip = why;
    }
}

/// <summary>A fact or theory for Unix only (signals, file modes, mount).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix system";
    }
}

public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs a Unix system";
    }
}

/// <summary>A fact that needs a small tmpfs mounted (to fill a disk): skipped, with the reason, when mount is refused here.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Problem = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Problem.Value is { } why) Skip = why;
    }

    /// <summary>Mounts a 1 MiB tmpfs on <paramref name="folder"/>; true when it worked.</summary>
    public static bool Mount(string folder)
    {
        try
        {
            var psi = new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder])
            { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no mount command
        }
    }

    private static string? Probe()
    {
        if (OperatingSystem.IsWindows()) return "needs a Unix system";
        var folder = Directory.CreateTempSubdirectory("scat-tmpfs-probe").FullName;
        try
        {
            if (!Mount(folder)) return "cannot mount a 1 MiB tmpfs here (needs root and mount permission)";
            Process.Start("umount", folder).WaitForExit();
            return null;
        }
        finally
        {
            try { Directory.Delete(folder); } catch (IOException) { }
        }
    }
}
