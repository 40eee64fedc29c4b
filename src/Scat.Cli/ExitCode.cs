namespace Scat.Cli;

/// <summary>The exit codes of scat.</summary>
public enum ExitCode
{
    Success = 0,
    /// <summary>The run failed (missing input, nothing decodable, device unavailable, …).</summary>
    Failed = 1,
    /// <summary>Bad command line.</summary>
    BadArguments = 2,
    /// <summary>An unexpected exception (a bug); printed in full. EX_SOFTWARE of sysexits.h.</summary>
    InternalError = 70,
    /// <summary>Interrupted by SIGINT (Ctrl-C).</summary>
    Interrupted = 130,
    /// <summary>Terminated by SIGTERM.</summary>
    Terminated = 143,
}
