using Scat.Transform;

namespace Scat.Backends;

/// <summary>
/// A device that computes the scattering transform of planes of one size.
/// Input: <c>planeCount</c> planes of H × W floats, row-major, back to back (an RGB image is 3 planes).
/// Output: for each plane, K maps of H' × W' floats in the contract's channel order, back to back
/// (so an image of C planes gives exactly the (C, K, H', W') tensor in C order).
/// A plane's coefficients never depend on which call, thread or batch position it went through.
/// </summary>
public interface IScatteringEngine : IDisposable
{
    ScatteringLayout Layout { get; }
    /// <summary>Short description of the device, e.g. "cpu (2 threads, AVX2)".</summary>
    string Description { get; }
    void Transform(ReadOnlySpan<float> planes, int planeCount, Span<float> output, CancellationToken cancellationToken = default);
}

/// <summary>The argument checks every engine's <see cref="IScatteringEngine.Transform"/> makes.</summary>
internal static class EngineArguments
{
    public static void Check(ScatteringLayout layout, ReadOnlySpan<float> planes, int planeCount, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(planeCount);
        if (planes.Length < (long)planeCount * layout.Height * layout.Width)
            throw new ArgumentException("input holds fewer planes than planeCount", nameof(planes));
        if (output.Length < (long)planeCount * layout.OutputPerPlane) throw new ArgumentException("output is too small", nameof(output));
    }
}
