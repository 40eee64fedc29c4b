using Scat.Backends;

namespace Scat.Cli.Commands;

/// <summary>
/// Runs a command's body and turns every outcome into an exit code: anticipated errors are one line on stderr
/// (bad arguments 2, failed run 1, interrupted 130), anything unexpected prints in full (70).
/// </summary>
internal static class CommandErrors
{
    /// <param name="writing">What the command writes, for the one line of an I/O error ("cannot write X: …").</param>
    /// <param name="onError">Called before the error line (e.g. to erase a progress bar).</param>
    /// <param name="interrupted">The line after an interrupt, when it is not "no output written".</param>
    public static ExitCode Run(CliConsole console, CancellationToken cancellationToken, Func<ExitCode> body,
        string? writing = null, Action? onError = null, Func<string?>? interrupted = null)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            onError?.Invoke();
            // A --part-size run keeps its finished parts and says so; "-o -" may have streamed part of its file.
            console.WriteError(e is Scat.Pipeline.PartsKeptException ? e.Message : interrupted?.Invoke() ?? "interrupted; no output written");
            return ExitCode.Interrupted;
        }
        catch (ScatUsageException e)
        {
            onError?.Invoke();
            console.WriteError(e.Message);
            return ExitCode.BadArguments;
        }
        catch (Exception e) when (e is ScatException or DeviceUnavailableException)
        {
            onError?.Invoke();
            console.WriteError(e.Message);
            return ExitCode.Failed;
        }
        catch (Exception e) when (writing is not null && e is IOException or UnauthorizedAccessException)
        {
            onError?.Invoke();
            console.WriteError($"cannot write {writing}: {e.Message}");
            return ExitCode.Failed;
        }
        catch (Exception e)
        {
            onError?.Invoke();
            console.Error.WriteLine($"scat: internal error: {e}");
            return ExitCode.InternalError;
        }
    }
}
