using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>The checks several commands share, so that one mistake gets one wording everywhere.</summary>
public static class OptionRules
{
    /// <summary>J, L and the order of a transform.</summary>
    public static void TransformShape(int j, int l, int order)
    {
        if (TransformShapeProblem(j, l, order) is { } problem) throw new ScatUsageException(problem);
    }

    /// <summary>What is wrong with J, L or the order, or null.</summary>
    public static string? TransformShapeProblem(int j, int l, int order) =>
        j < 1 ? $"--scale (J) must be at least 1, got {j}"
        : l < 1 ? $"--angles (L) must be at least 1, got {l}"
        : order is not (1 or 2) ? $"--order must be 1 or 2, got {order}"
        : null;

    /// <summary>
    /// What is wrong with transforming images of <paramref name="height"/> × <paramref name="width"/>, in the user's words
    /// (the one message of a J too large for the images), or null. <paramref name="resized"/>: the size is --size's.
    /// </summary>
    public static string? ImageSizeProblem(int height, int width, int j, int l, int order, bool resized) =>
        ScatteringLayout.Problem(height, width, j, l, order) is not { } problem ? null
        : resized ? $"{problem} (--size {height}x{width}): use a smaller J or a larger --size"
        : $"{problem}; use --size to resize the images";

    /// <summary>A count that must be at least 1.</summary>
    public static void AtLeastOne(string option, long value)
    {
        if (value < 1) throw new ScatUsageException($"{option} must be at least 1, got {value}");
    }
}
