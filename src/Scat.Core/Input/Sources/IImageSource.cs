using Scat.Input.Decoding;

namespace Scat.Input;

/// <summary>
/// Where a run's images come from: lists them once (in processing order, with their classes), then opens
/// any listed item as a decoded image. The folder lister and <c>--files-from</c> are two implementations;
/// a new kind of input (tar shards, an image table, raw float arrays) is one more class implementing this,
/// chosen in <c>Scat.Pipeline.ExtractPipeline.SourceFor</c>.
/// </summary>
/// <remarks>
/// <see cref="Open"/> and <see cref="Identify"/> are called from several decode threads at once and must be
/// thread-safe. They throw <see cref="ImageDecodeException"/> (one-line reason) for an item that cannot be read;
/// anything else is a bug and ends the run.
/// </remarks>
public interface IImageSource
{
    /// <summary>The items in processing order and the class names their labels index. Called once per run.</summary>
    ImageListing List();

    /// <summary>The item's image, decoded with <paramref name="decoder"/>'s colour and resize settings.</summary>
    DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken);

    /// <summary>The size <see cref="Open"/> would give, as cheaply as the source allows (a header only for files).</summary>
    (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder);

    /// <summary>Planes per image: the decoder's (--color) for images; an array source gives its own.</summary>
    int Channels(ImageDecoder decoder) => decoder.Channels;

    /// <summary>True when the source already holds only this run's part of the input (--shard over whole tar shards),
    /// so that the pipeline does not split its listing again.</summary>
    bool Sharded => false;
}

/// <summary>A source whose items are image files on disk (<see cref="ImageItem.FullPath"/>).</summary>
public abstract class FileImageSource : IImageSource
{
    public abstract ImageListing List();

    public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken) =>
        decoder.Decode(item.FullPath, cancellationToken);

    public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder) => decoder.Identify(item.FullPath);
}

/// <summary>A source whose images are bytes it reads itself (tar members, Parquet cells), decoded from memory.</summary>
public abstract class InMemoryImageSource : IImageSource
{
    public abstract ImageListing List();

    public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken) =>
        decoder.Decode(Bytes(item), item.FullPath, cancellationToken);

    public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder) => decoder.Identify(Bytes(item), item.FullPath);

    /// <summary>The encoded image of a listed item; <see cref="ImageDecodeException"/> when it has none.</summary>
    protected abstract byte[] Bytes(ImageItem item);
}
