using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace Scat.Input.Decoding;

/// <summary>
/// Which exceptions mean "this file is bad" (the file is skipped, with a one-line reason) and which are a bug in scat
/// (the run ends, exit 70). Decided by where the exception comes from, at the boundary of the library call: whatever
/// a call into ImageSharp throws while it reads a file (its format and memory-limit exceptions, and anything else:
/// a LINQ call it makes on a malformed TIFF, a bad EXIF profile) is the file's fault, and is wrapped into an
/// <see cref="ImageDecodeException"/> right there (<see cref="InImageSharp{TState, T}"/>); outside those calls only
/// the exceptions of reading a file (<see cref="IsDecodeFailure"/>) are, and anything else scat's own code throws is
/// a bug and is not caught. Cancellation (interrupt, decode deadline) is never a bad file.
/// </summary>
internal static class DecodeFailure
{
    /// <summary>Runs one call into ImageSharp: what it throws, but cancellation, becomes an <see cref="ImageDecodeException"/>.</summary>
    public static T InImageSharp<TState, T>(TState state, Func<TState, T> call)
    {
        try
        {
            return call(state);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Wrap(e);
        }
    }

    /// <summary><see cref="InImageSharp{TState, T}"/> for a call that returns nothing.</summary>
    public static void InImageSharp<TState>(TState state, Action<TState> call) =>
        InImageSharp((state, call), static s => { s.call(s.state); return 0; });

    // Out of memory counts as a bad file: a crafted header can ask a decoder for a huge managed array, which
    // fails at once and leaves nothing allocated.
    /// <summary>Whether an exception thrown outside ImageSharp's calls means a bad file: scat's own checks, an I/O error
    /// or a denied permission while opening or reading it, ImageSharp's own exceptions, out of memory.</summary>
    public static bool IsDecodeFailure(Exception e) => e is ImageDecodeException or ImageFormatException
        or InvalidMemoryOperationException or IOException or UnauthorizedAccessException or OutOfMemoryException;

    /// <summary>The one-line reason of a bad file.</summary>
    public static ImageDecodeException Wrap(Exception e)
    {
        if (e is ImageDecodeException d) return d;
        string reason = e switch
        {
            UnknownImageFormatException => "unknown or unsupported image format",
            FileNotFoundException or DirectoryNotFoundException => "file not found",
            OutOfMemoryException => "out of memory while decoding",
            InvalidImageContentException or ImageFormatException or NotSupportedException
                or IOException or UnauthorizedAccessException or InvalidMemoryOperationException => FirstLine(e.Message),
            _ => $"{e.GetType().Name}: {FirstLine(e.Message)}",
        };
        return new ImageDecodeException(reason, e);
    }

    private static string FirstLine(string message) => Messages.FirstLine(message, "cannot decode");
}
