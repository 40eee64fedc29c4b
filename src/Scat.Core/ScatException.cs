namespace Scat;

/// <summary>
/// An anticipated failure of a run (missing input, undecodable file under --strict, …).
/// The message is one line for the user; the tool exits with 1.
/// </summary>
public class ScatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A bad argument (unknown output extension, bad --size, …); the tool exits with 2.</summary>
public sealed class ScatUsageException(string message) : ScatException(message);
