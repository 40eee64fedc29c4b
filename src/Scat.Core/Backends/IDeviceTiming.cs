namespace Scat.Backends;

/// <summary>
/// An engine on a device with its own memory (a GPU) can also time the transform with input and output
/// already in device memory, the figure comparable to Kymatio's on a GPU.
/// </summary>
public interface IDeviceTiming
{
    /// <summary>Seconds for one transform of <paramref name="planeCount"/> planes resident on the device (input uploaded once beforehand).</summary>
    double TimeOnDevice(ReadOnlySpan<float> planes, int planeCount);
}
