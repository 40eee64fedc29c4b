namespace Scat.Input;

/// <summary>INPUT folders and files: ImageFolder's classes (first-level subfolders), files in ordinal order.</summary>
public sealed class FolderSource(IReadOnlyList<string> inputs) : FileImageSource
{
    public override ImageListing List() => ImageListing.Build(inputs);
}
