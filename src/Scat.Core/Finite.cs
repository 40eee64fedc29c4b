using System.Numerics;

namespace Scat;

/// <summary>The one test of whether floats are all finite (the pipeline's skips, the CPU engine's guarded rerun).</summary>
internal static class Finite
{
    /// <summary>Whether no value is NaN or ±∞: x − x is +0 for a finite x and NaN otherwise, and NaN stays in a sum.</summary>
    internal static bool All(ReadOnlySpan<float> values)
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
}
