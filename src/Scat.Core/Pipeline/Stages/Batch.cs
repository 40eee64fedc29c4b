using Scat.Input;

namespace Scat.Pipeline;

/// <summary>
/// A run of consecutive listing entries on its way through the stages. The decode stage fills
/// <see cref="Input"/> with the images that decoded (compacted, in listing order) and records the skipped
/// ones; the transform stage sets <see cref="Features"/>; later steps (pooling) may replace it; the write
/// stage reports the skips, writes the features and hands the buffers back.
/// </summary>
internal sealed class Batch(int start, int listed)
{
    /// <summary>Index of the first entry in the run's listing.</summary>
    public int Start { get; } = start;
    /// <summary>Listing entries covered (kept + skipped); the progress counts these.</summary>
    public int Listed { get; } = listed;

    /// <summary>Planes of the <see cref="Kept"/> images, back to back; returned to its pool after the transform.</summary>
    public float[]? Input { get; set; }
    public int Kept { get; set; }
    public List<long> Labels { get; } = new(listed);
    public List<string> Paths { get; } = new(listed);
    /// <summary>Images at their own sizes: the (height, width) of each kept image, whose planes lie back to back in
    /// <see cref="Input"/>; empty when every image has the run's size.</summary>
    public List<(int Height, int Width)> Sizes { get; } = [];
    /// <summary>Images at their own sizes: each kept image's geometry, set by the transform (empty otherwise).</summary>
    public List<Scat.Output.RowGeometry> Rows { get; } = [];
    /// <summary>--tile: the (y, x) of each row's tile in its image (empty otherwise).</summary>
    public List<(int Y, int X)> Tiles { get; } = [];
    /// <summary>Lines to tell the user in listing order with the skips (an image smaller than the tile).</summary>
    public List<string> Notes { get; } = [];
    /// <summary>Index in the run's items of each kept image (the write maps them to listing positions for parts).</summary>
    public List<int> Indices { get; } = new(listed);
    /// <summary>Skipped entries before any <see cref="Failure"/>, in listing order, with their reasons.</summary>
    public List<(ImageItem Item, string Reason)> Skips { get; } = [];
    /// <summary>Set when the run must stop at this batch (after reporting <see cref="Skips"/>): a size mismatch, say.</summary>
    public Exception? Failure { get; set; }

    /// <summary>The buffer the features live in; returned to its pool after writing.</summary>
    public FeatureBuffer? Output { get; set; }
    /// <summary>The features of the kept images, as the next step should see them.</summary>
    public Memory<float> Features { get; set; }
}

/// <summary>An output buffer of the transform and the smaller one pooling writes into.</summary>
internal sealed class FeatureBuffer(int maps, int pooled)
{
    public float[] Maps { get; private set; } = new float[maps];
    public float[] Pooled { get; private set; } = pooled > 0 ? new float[pooled] : [];

    /// <summary>Grows the buffers to hold at least this many floats (images at their own sizes: a batch of larger ones).</summary>
    public void Ensure(long maps, long pooled)
    {
        if (maps > Maps.Length) Maps = new float[checked((int)maps)];
        if (pooled > Pooled.Length) Pooled = new float[checked((int)pooled)];
    }
}
