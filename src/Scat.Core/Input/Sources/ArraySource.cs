using Scat.Input.Containers;
using Scat.Input.Decoding;

namespace Scat.Input;

/// <summary>
/// numpy arrays (<c>.npy</c>, <c>.npz</c>) of shape (N, H, W) or (N, C, H, W): every image is C planes of float32
/// values as the array holds them (no decoding, no /255; <c>--color</c> does not apply, C is the array's). Read as a
/// stream through a <see cref="SequentialCursor{T}"/> (a seekable array starts where it is asked; a deflated NPZ member
/// reads forward), so an array of any size needs only a few images in memory. Paths are <c>FILE[i]</c>; labels come
/// from an integer <c>labels</c> or <c>y</c> array of the NPZ, else −1.
/// </summary>
/// <param name="files">The arrays (after brace and glob expansion), in order; all must have the same C.</param>
/// <param name="arrayKey">--array-key: the NPZ member holding the images (null: "x", or the only array).</param>
public sealed class ArraySource(IReadOnlyList<string> files, string? arrayKey) : IImageSource, IDisposable
{
    private const long LookAheadBytes = 64L << 20;

    private readonly List<NpyArrayReader> _arrays = [];
    private readonly List<SequentialCursor<ArrayImage>> _cursors = [];
    private readonly Dictionary<ImageItem, (int Array, long Index)> _where = new(ReferenceEqualityComparer.Instance);
    private int _channels;

    public ImageListing List()
    {
        var items = new List<ImageItem>();
        for (int f = 0; f < files.Count; f++)
        {
            NpyArrayReader array;
            try
            {
                array = NpyArrayReader.Open(files[f], arrayKey);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Messages.CannotRead(files[f], e);
            }
            _arrays.Add(array);
            if (f == 0) _channels = array.Channels;
            else if (array.Channels != _channels)
                throw new ScatException($"{array.File} has {array.Channels} channels but {_arrays[0].File} has {_channels}; all arrays of a run must have the same C");
            int a = f;
            _cursors.Add(new SequentialCursor<ArrayImage>(
                i => array.IsSeekable ? (i, array.Images(i, -1, freshBuffers: true).GetEnumerator()) : (0, array.Images(0, -1, freshBuffers: true).GetEnumerator()),
                image => image.Pixels.Length * sizeof(float), LookAheadBytes));
            for (long i = 0; i < array.Count; i++)
            {
                string path = array.PathOf(i);
                var item = new ImageItem(path, path, array.LabelOf(i));
                _where[item] = (a, i);
                items.Add(item);
            }
        }
        if (items.Count == 0) throw new ScatException($"no images in {string.Join(" ", files)} (N = 0)");
        return new ImageListing([], items);
    }

    public int Channels(ImageDecoder decoder) => _channels;

    public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken)
    {
        var (a, index) = _where[item];
        var array = _arrays[a];
        decoder.CheckPixels(array.Width, array.Height); // before any buffer of the image's size exists
        ArrayImage image;
        try
        {
            image = _cursors[a].Take(index);
        }
        catch (Exception e) when (e is ScatException or IOException or UnauthorizedAccessException) // a truncated or unreadable array: this image is skipped
        {
            throw new ImageDecodeException(Messages.FirstClause(e.Message), e);
        }
        return new Planes(image.Pixels, array.Height, array.Width, array.Channels);
    }

    public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder)
    {
        var array = _arrays[_where[item].Array];
        decoder.CheckPixels(array.Width, array.Height);
        return (array.Height, array.Width);
    }

    public void Dispose()
    {
        foreach (var c in _cursors) c.Dispose();
        foreach (var a in _arrays) a.Dispose();
    }

    /// <summary>An array image: its planes as read, copied as they are.</summary>
    private sealed class Planes(float[] pixels, int height, int width, int channels) : DecodedImage(height, width, channels)
    {
        public override void CopyPlanes(Span<float> destination) => pixels.AsSpan(0, Channels * Height * Width).CopyTo(destination);

        public override void Dispose() { }
    }
}
