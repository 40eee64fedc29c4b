using Scat.Backends.Cpu;
using Scat.Backends.Cuda;
using Scat.Backends.Cuda.Driver;
using Scat.Transform;

namespace Scat.Backends;

/// <summary>A device as the user names it: auto, cpu, cuda or cuda:N.</summary>
public readonly record struct DeviceSpec(DeviceKind Kind, int Ordinal)
{
    public static bool TryParse(string? text, out DeviceSpec spec)
    {
        spec = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto": spec = new(DeviceKind.Auto, 0); return true;
            case "cpu": spec = new(DeviceKind.Cpu, 0); return true;
            case "cuda": spec = new(DeviceKind.Cuda, 0); return true;
        }
        var t = text!.Trim().ToLowerInvariant();
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int n) && n >= 0)
        {
            spec = new(DeviceKind.Cuda, n);
            return true;
        }
        return false;
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        _ => Ordinal == 0 ? "cuda" : $"cuda:{Ordinal}",
    };
}

public enum DeviceKind { Auto, Cpu, Cuda }

/// <summary>Thrown when the requested device cannot be used; the message is one line for the user.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);

/// <summary>Chooses and creates the engine for a device.</summary>
public static class EngineFactory
{
    /// <summary>
    /// Checks that the device can be used, before any image is decoded. For auto, returns the resolved
    /// device and reports the choice through <paramref name="notice"/>. Throws
    /// <see cref="DeviceUnavailableException"/> when an explicitly requested device is unusable; for CUDA the
    /// message names what is missing: the driver, the device, NVRTC or cuFFT.
    /// </summary>
    public static DeviceSpec Resolve(DeviceSpec requested, Action<string>? notice = null)
    {
        switch (requested.Kind)
        {
            case DeviceKind.Cpu:
                return requested;
            case DeviceKind.Cuda:
                if (CudaProbe.Problem(requested.Ordinal) is { } problem)
                    throw new DeviceUnavailableException($"device {requested}: CUDA is not available: {problem}");
                return requested;
            default:
                if (CudaProbe.Problem(0, out var name) is { } why)
                {
                    notice?.Invoke($"device: cpu (CUDA not used: {why}; --device cpu skips the check and this line)");
                    return new DeviceSpec(DeviceKind.Cpu, 0);
                }
                notice?.Invoke($"device: cuda ({name})");
                return new DeviceSpec(DeviceKind.Cuda, 0);
        }
    }

    /// <summary>
    /// Creates an engine for images of the layout's size on a resolved device. <paramref name="batchSize"/> is the
    /// upper bound of planes per GPU sub-batch (0: the default); the CPU engine ignores it.
    /// </summary>
    public static IScatteringEngine Create(DeviceSpec device, ScatteringLayout layout, int threads, int batchSize = 0)
    {
        if (device.Kind == DeviceKind.Auto) device = Resolve(device);
        return device.Kind switch
        {
            DeviceKind.Cpu => new CpuEngine(layout, threads),
            _ => CudaEngine.Open(device.Ordinal, layout, batchSize),
        };
    }
}
