using Scat.Transform;

namespace Scat.Output;

/// <summary>What a feature file records besides the features.</summary>
/// <param name="Layout">The transform: J, L, order, K, H', W' and the meta of every channel.</param>
/// <param name="Channels">Image channels C (3 for RGB, 1 for gray).</param>
/// <param name="Classes">Class names; labels index them.</param>
public sealed record FeatureMetadata(ScatteringLayout Layout, int Channels, IReadOnlyList<string> Classes)
{
    /// <summary>Spatial pooling applied after the transform; pooled features have one value per map.</summary>
    public PoolMode Pool { get; init; } = PoolMode.None;

    /// <summary>The options that change the coefficients (padding, rotation invariance, renormalisation, log).</summary>
    public CoefficientOptions Coefficients { get; init; } = CoefficientOptions.Default;

    /// <summary>The channels written, K of them: the layout's, or the rotation-invariant ones.</summary>
    public IReadOnlyList<ChannelMeta> ScatChannels
    {
        get => _scatChannels ?? Layout.Channels;
        init => _scatChannels = value;
    }
    private readonly IReadOnlyList<ChannelMeta>? _scatChannels;

    /// <summary>The inputs as given to extract (folders, patterns, tar shards, tables, arrays); recorded so that scat info can say where the features came from.</summary>
    public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>The options that shape the features, as extract was given them (<see cref="FeatureShaping"/>), in
    /// declaration order; every format records them (NPZ and an NPY part's sidecar: <c>options</c>, "name=value" each;
    /// Parquet: the <c>options</c> object of its JSON).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Options { get; init; }

    /// <summary>Channels K per image channel.</summary>
    public int K => ScatChannels.Count;

    /// <summary>The element type the features are stored in (--dtype; issue 14). The transform is float32 either way.</summary>
    public FeatureDType DType { get; init; } = FeatureDType.Float32;

    /// <summary>
    /// Images are transformed at their own sizes (no --size): <see cref="Layout"/> is the first image's, and each row's
    /// own size comes with it (<see cref="RowGeometry"/>). Unpooled rows of several sizes go to Parquet only.
    /// </summary>
    public bool NativeSizes { get; init; }

    /// <summary>--tile: the tile size; rows are tiles, with their tile_y and tile_x. Null: rows are whole images.</summary>
    public (int Height, int Width)? Tile { get; init; }
    /// <summary>--tile-stride: rows and columns between the tiles' corners.</summary>
    public (int Height, int Width)? TileStride { get; init; }

    /// <summary>Whether every row has <see cref="ImageShape"/>: pooled, or one size for every image.</summary>
    public bool OneShape => !NativeSizes || Pool != PoolMode.None;

    /// <summary>Shape of one image's features: (C, K, H', W'), or (C, K) when pooled.</summary>
    public long[] ImageShape => Pool == PoolMode.None
        ? [Channels, K, Layout.OutHeight, Layout.OutWidth]
        : [Channels, K];

    /// <summary>Shape of one row's features, <see cref="ImageShape"/> at the row's own output size.</summary>
    public long[] RowShape(RowGeometry row) => Pool == PoolMode.None ? [Channels, K, row.OutHeight, row.OutWidth] : [Channels, K];

    /// <summary>Floats per image: C · K · H' · W', or C · K when pooled.</summary>
    public int FloatsPerImage => Pool == PoolMode.None ? Channels * K * Layout.OutPlaneSize : Channels * K;

    /// <summary>Floats of one row at its own output size.</summary>
    public int FloatsPerRow(RowGeometry row) => Pool == PoolMode.None ? Channels * K * row.OutHeight * row.OutWidth : Channels * K;

    /// <summary>The geometry of a row of the layout's own size.</summary>
    public RowGeometry CommonRow => RowGeometry.Of(Layout);

    /// <summary>Shape of the features array for <paramref name="count"/> images: (N, C, K, H', W'), or (N, C, K) when pooled.</summary>
    public long[] FeatureShape(long count) => [count, .. ImageShape];
}

/// <summary>The size a row's image was transformed at and the output size (H', W') of its maps, when rows may differ
/// (images at their own sizes).</summary>
/// <param name="TileY">--tile: the row of the tile's top-left corner in its image; −1 for a whole image.</param>
/// <param name="TileX">--tile: its column; −1 for a whole image.</param>
public readonly record struct RowGeometry(int Height, int Width, int OutHeight, int OutWidth, int TileY = -1, int TileX = -1)
{
    public static RowGeometry Of(ScatteringLayout layout) => new(layout.Height, layout.Width, layout.OutHeight, layout.OutWidth);
}

/// <summary>
/// Streams features to a file with bounded memory. Call <see cref="Begin"/> once, <see cref="WriteBatch"/>
/// for each batch, then <see cref="Complete"/>, which puts the finished file in place. Disposing a writer
/// that was not completed aborts it: temporary files are deleted and nothing appears at the destination.
/// </summary>
public interface IFeatureWriter : IDisposable
{
    /// <summary>Images written so far.</summary>
    long Count { get; }
    void Begin(FeatureMetadata metadata);
    /// <summary>
    /// Appends images: <paramref name="features"/> holds each row's floats back to back; <paramref name="rows"/> gives
    /// each row's output size (empty: every row has the layout's, FloatsPerImage floats).
    /// </summary>
    void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths, ReadOnlySpan<RowGeometry> rows = default);
    void Complete();
}
