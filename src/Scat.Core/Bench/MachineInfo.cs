using Scat.Backends.Cpu;

namespace Scat.Bench;

/// <summary>What a benchmark ran on: CPU model, cores, SIMD width and the GPU when one was used.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Simd, int SimdWidth, string? Gpu)
{
    public static MachineInfo Current(string? gpu = null) =>
        new(CpuModel(), Environment.ProcessorCount, Backends.Cpu.Simd.Name, Backends.Cpu.Simd.Width, gpu);

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int i and > 0)
                    return line[(i + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
