namespace Scat.Transform;

/// <summary>Spatial pooling of the scattering maps: none (keep H' × W'), the mean or the maximum over positions.</summary>
public enum PoolMode { None, Mean, Max }

/// <summary>Pools each H' × W' map of a transform's output to one value, right after the transform.</summary>
public static class Pooling
{
    public static bool TryParse(string? text, out PoolMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "none": mode = PoolMode.None; return true;
            case "mean": mode = PoolMode.Mean; return true;
            case "max": mode = PoolMode.Max; return true;
            default: mode = PoolMode.None; return false;
        }
    }

    /// <summary>
    /// Reduces <paramref name="maps"/> (back-to-back maps of <paramref name="mapSize"/> floats) to one float per
    /// map in <paramref name="pooled"/>. The mean is summed in double, in position order, then rounded to float,
    /// so a map's pooled value never depends on the batch it came in.
    /// </summary>
    public static void Pool(PoolMode mode, ReadOnlySpan<float> maps, int mapSize, Span<float> pooled)
    {
        if (mode == PoolMode.None) throw new ArgumentException("nothing to pool", nameof(mode));
        if (mapSize < 1) throw new ArgumentOutOfRangeException(nameof(mapSize));
        if (maps.Length % mapSize != 0) throw new ArgumentException($"{maps.Length} floats are not whole maps of {mapSize}");
        int count = maps.Length / mapSize;
        if (pooled.Length < count) throw new ArgumentException($"room for {pooled.Length} values, need {count}");
        for (int m = 0; m < count; m++)
        {
            var map = maps.Slice(m * mapSize, mapSize);
            if (mode == PoolMode.Mean)
            {
                double sum = 0;
                foreach (var v in map) sum += v;
                pooled[m] = (float)(sum / mapSize);
            }
            else
            {
                float max = float.NegativeInfinity;
                foreach (var v in map) if (v > max || float.IsNaN(v)) max = v;
                pooled[m] = max;
            }
        }
    }
}
