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

    /// <summary>Shape of one image's features: (C, K, H', W'), or (C, K) when pooled.</summary>
    public long[] ImageShape => Pool == PoolMode.None
        ? [Channels, K, Layout.OutHeight, Layout.OutWidth]
        : [Channels, K];

    /// <summary>Floats per image: C · K · H' · W', or C · K when pooled.</summary>
    public int FloatsPerImage => Pool == PoolMode.None ? Channels * K * Layout.OutPlaneSize : Channels * K;

    /// <summary>Shape of the features array for <paramref name="count"/> images: (N, C, K, H', W'), or (N, C, K) when pooled.</summary>
    public long[] FeatureShape(long count) => [count, .. ImageShape];
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
    /// <summary>Appends images: <paramref name="features"/> holds labels.Length × FloatsPerImage floats.</summary>
    void WriteBatch(ReadOnlySpan<float> features, ReadOnlySpan<long> labels, IReadOnlyList<string> paths);
    void Complete();
}
