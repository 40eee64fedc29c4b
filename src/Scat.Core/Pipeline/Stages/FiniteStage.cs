using Scat.Input;

namespace Scat.Pipeline;

/// <summary>
/// Numbers are finite, or the image is skipped: one rule for every source and backend. The decode stage refuses an
/// image whose planes hold NaN or ±∞ (<see cref="InputProblem"/>); this stage, after the transform and the steps,
/// takes out of the batch each image whose features are not all finite (values so large that the transform itself
/// overflows float32), as a skip in listing order. Under <c>-o -</c> such an image fails the run, as a decode
/// failure does.
/// </summary>
/// <param name="perMap">Floats per output position of a row: C · K (images at their own sizes: a row's length is this
/// times its H' · W', or this alone when pooled).</param>
/// <param name="pooled">Rows are pooled: all of one length.</param>
internal sealed class FiniteStage(IReadOnlyList<ImageItem> items, bool toStandardOutput, int perMap, bool pooled)
{
    /// <summary>Why an image whose input is not finite is skipped.</summary>
    public const string NotFiniteInput = "its values include NaN or infinity";
    /// <summary>Why an image whose features are not finite is skipped.</summary>
    public const string NotFiniteFeatures = "its features are not finite (its values are too large for float32)";

    /// <summary>The skip reason for an image's planes, or null when they are all finite.</summary>
    public static string? InputProblem(ReadOnlySpan<float> planes) => Finite.All(planes) ? null : NotFiniteInput;

    /// <summary>Floats of each row of the batch: one length, or (images at their own sizes, unpooled) per row's geometry.</summary>
    private int[] RowLengths(Batch batch, int total)
    {
        var lengths = new int[batch.Kept];
        for (int k = 0; k < batch.Kept; k++)
            lengths[k] = batch.Rows.Count == 0 || pooled ? total / batch.Kept : perMap * batch.Rows[k].OutHeight * batch.Rows[k].OutWidth;
        return lengths;
    }

    public void Process(Batch batch)
    {
        if (batch.Kept == 0) return;
        var features = batch.Features.Span;
        var lengths = RowLengths(batch, features.Length);
        // First the images (listing indices) with a row that is not finite: with --tile, every tile of such an image goes.
        var bad = new List<int>();
        for (int k = 0, at = 0; k < batch.Kept; at += lengths[k], k++)
            if (!Finite.All(features.Slice(at, lengths[k])) && (bad.Count == 0 || bad[^1] != batch.Indices[k]))
            {
                bad.Add(batch.Indices[k]);
                if (toStandardOutput) break;
            }
        if (bad.Count == 0) return;
        int kept = 0, write = 0, read = 0, keptImages = 0, lastKept = -1;
        int stop = toStandardOutput ? bad[0] : int.MaxValue;
        for (int k = 0; k < batch.Kept; read += lengths[k], k++)
        {
            int index = batch.Indices[k];
            if (index >= stop) break;
            if (bad.Contains(index)) continue;
            features.Slice(read, lengths[k]).CopyTo(features[write..]);
            write += lengths[k];
            Move(batch, k, kept);
            if (index != lastKept) { keptImages++; lastKept = index; }
            kept++;
        }
        // Each bad image's skip, in listing order: the batch's entries before it are kept images or skips.
        foreach (int index in bad)
        {
            int keptBefore = batch.Indices.Take(kept).Distinct().Count(i => i < index);
            int at = index - batch.Start - keptBefore;
            if (toStandardOutput)
            {
                batch.Failure = new ScatException(DecodeStage.StreamFailure(items[index], NotFiniteFeatures));
                batch.Skips.RemoveRange(at, batch.Skips.Count - at);
                break;
            }
            batch.Skips.Insert(at, (items[index], NotFiniteFeatures));
        }
        Truncate(batch, kept);
        batch.Features = batch.Features[..write];
    }

    /// <summary>Row <paramref name="from"/>'s facts to row <paramref name="to"/> (≤ from).</summary>
    private static void Move(Batch batch, int from, int to)
    {
        if (from == to) return;
        batch.Labels[to] = batch.Labels[from];
        batch.Paths[to] = batch.Paths[from];
        batch.Indices[to] = batch.Indices[from];
        if (batch.Sizes.Count > from) batch.Sizes[to] = batch.Sizes[from];
        if (batch.Rows.Count > from) batch.Rows[to] = batch.Rows[from];
        if (batch.Tiles.Count > from) batch.Tiles[to] = batch.Tiles[from];
    }

    private static void Truncate(Batch batch, int kept)
    {
        static void Cut<T>(List<T> list, int n) { if (list.Count > n) list.RemoveRange(n, list.Count - n); }
        Cut(batch.Labels, kept);
        Cut(batch.Paths, kept);
        Cut(batch.Indices, kept);
        Cut(batch.Sizes, kept);
        Cut(batch.Rows, kept);
        Cut(batch.Tiles, kept);
        batch.Kept = kept;
    }
}
