namespace Scat.Input;

/// <summary>One image to process.</summary>
/// <param name="FullPath">Path to open on disk.</param>
/// <param name="Path">Path as written to the output: relative to its input folder (prefixed by the folder
/// as given when there are several inputs), or the file path as given; always with '/'.</param>
/// <param name="Label">Index of the class among <see cref="ImageListing.Classes"/>, or −1.</param>
public sealed record ImageItem(string FullPath, string Path, int Label);
