using System.Numerics;
using Scat.Input;

namespace Scat.Pipeline;

/// <summary>
/// Numbers are finite, or the image is skipped: one rule for every source and backend. The decode stage refuses an
/// image whose planes hold NaN or ±∞ (<see cref="InputProblem"/>); this stage, after the transform and the steps,
/// takes out of the batch each image whose features are not all finite (values so large that the transform itself
/// overflows float32), as a skip in listing order. Under <c>-o -</c> such an image fails the run, as a decode
/// failure does.
/// </summary>
internal sealed class FiniteStage(IReadOnlyList<ImageItem> items, bool toStandardOutput)
{
    /// <summary>Why an image whose input is not finite is skipped.</summary>
    public const string NotFiniteInput = "its values include NaN or infinity";
    /// <summary>Why an image whose features are not finite is skipped.</summary>
    public const string NotFiniteFeatures = "its features are not finite (its values are too large for float32)";

    /// <summary>The skip reason for an image's planes, or null when they are all finite.</summary>
    public static string? InputProblem(ReadOnlySpan<float> planes) => AllFinite(planes) ? null : NotFiniteInput;

    /// <summary>Whether no value is NaN or ±∞: x − x is +0 for a finite x and NaN otherwise, and NaN stays in a sum.</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values[i..]);
            sum += v - v;
        }
        bool finite = Vector.EqualsAll(sum, Vector<float>.Zero);
        for (; i < values.Length; i++) finite &= float.IsFinite(values[i]);
        return finite;
    }

    public void Process(Batch batch)
    {
        if (batch.Kept == 0) return;
        var features = batch.Features.Span;
        int per = features.Length / batch.Kept, kept = 0;
        for (int k = 0; k < batch.Kept; k++)
        {
            var row = features.Slice(k * per, per);
            if (AllFinite(row))
            {
                if (kept != k)
                {
                    row.CopyTo(features[(kept * per)..]);
                    batch.Labels[kept] = batch.Labels[k];
                    batch.Paths[kept] = batch.Paths[k];
                    batch.Indices[kept] = batch.Indices[k];
                }
                kept++;
                continue;
            }
            int index = batch.Indices[k];
            // The batch's entries before this one are kept or skipped: the skips before it number its offset less the kept.
            int at = index - batch.Start - kept;
            if (toStandardOutput)
            {
                batch.Failure = new ScatException(DecodeStage.StreamFailure(items[index], NotFiniteFeatures));
                batch.Skips.RemoveRange(at, batch.Skips.Count - at);
                break;
            }
            batch.Skips.Insert(at, (items[index], NotFiniteFeatures));
        }
        if (kept == batch.Kept) return;
        int removed = batch.Kept - kept;
        batch.Labels.RemoveRange(kept, removed);
        batch.Paths.RemoveRange(kept, removed);
        batch.Indices.RemoveRange(kept, removed);
        batch.Kept = kept;
        batch.Features = batch.Features[..(kept * per)];
    }
}
