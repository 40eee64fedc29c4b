namespace Scat.Input.Decoding;

/// <summary>A file that could not be read as an image; the message is the one-line reason.</summary>
public sealed class ImageDecodeException(string message, Exception? inner = null) : Exception(message, inner);
