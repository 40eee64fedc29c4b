using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>
/// How many images one batch holds: the requested count, fewer when one batch's input planes and coefficient
/// maps would take more than <see cref="Bytes"/> (so that memory stays bounded at large sizes, whatever
/// <c>--batch-size</c> says) or would not fit in one array. Used by <c>extract</c> (its batch buffers) and
/// <c>bench</c> (its sub-batches).
/// </summary>
public static class BatchBudget
{
    /// <summary>Bytes of one batch's input and output (float32), at most: 1 GiB (13 RGB images at 1024², 53 at 512²).</summary>
    public const long Bytes = 1L << 30;

    public static int ImagesPerBatch(ScatteringLayout layout, int channels, int requested)
    {
        long inPerImage = (long)channels * layout.Height * layout.Width;
        long outPerImage = (long)channels * layout.OutputPerPlane;
        if (Math.Max(inPerImage, outPerImage) > Array.MaxLength)
            throw new ScatException($"images of {layout.Height}x{layout.Width} are too large for one transform");
        long byArray = Array.MaxLength / Math.Max(inPerImage, outPerImage);
        long byBytes = Bytes / ((inPerImage + outPerImage) * sizeof(float));
        return (int)Math.Max(1, Math.Min(requested, Math.Min(byArray, byBytes)));
    }
}
