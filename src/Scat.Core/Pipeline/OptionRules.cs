namespace Scat.Pipeline;

/// <summary>The checks several commands share, so that one mistake gets one wording everywhere.</summary>
public static class OptionRules
{
    /// <summary>J, L and the order of a transform.</summary>
    public static void TransformShape(int j, int l, int order)
    {
        if (j < 1) throw new ScatUsageException($"--scale (J) must be at least 1, got {j}");
        if (l < 1) throw new ScatUsageException($"--angles (L) must be at least 1, got {l}");
        if (order is not (1 or 2)) throw new ScatUsageException($"--order must be 1 or 2, got {order}");
    }

    /// <summary>A count that must be at least 1.</summary>
    public static void AtLeastOne(string option, long value)
    {
        if (value < 1) throw new ScatUsageException($"{option} must be at least 1, got {value}");
    }
}
