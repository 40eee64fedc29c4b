using Scat.Backends.Cuda.Interop;
using static Scat.Backends.Cuda.Driver.GpuCheck;
using static Scat.Backends.Cuda.Interop.Cuda;

namespace Scat.Backends.Cuda.Driver;

/// <summary>A loaded module (CUBIN or PTX image) and the kernels taken from it.</summary>
internal sealed unsafe class CudaModule : IDisposable
{
    private nint _handle;

    /// <summary>Loads a CUBIN, or a PTX text ending with its NUL (the driver compiles PTX for the device).</summary>
    public CudaModule(ReadOnlySpan<byte> image)
    {
        fixed (byte* p = image)
        {
            Check(cuModuleLoadData(out var m, p));
            _handle = m.Handle;
        }
    }

    public CUmodule Handle => new(_handle);

    public CudaKernel GetKernel(string name)
    {
        Check(cuModuleGetFunction(out var f, Handle, name));
        return new CudaKernel(name, f);
    }

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) cuModuleUnload(new CUmodule(h));
    }
}

/// <summary>A kernel function of a <see cref="CudaModule"/>; valid while its module is loaded.</summary>
internal sealed unsafe class CudaKernel(string name, CUfunction function) : IGpuKernel
{
    public string Name { get; } = name;
    public CUfunction Function { get; } = function;

    /// <summary>cuLaunchKernel: <paramref name="args"/>[i] points at the value of the kernel's i-th parameter.</summary>
    public void Launch(Dim3 grid, Dim3 block, CudaStream stream, void** args) =>
        Check(cuLaunchKernel(Function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, 0, stream.Handle, args, null));
}
