using System.Runtime.InteropServices;

namespace Scat.Backends.Cuda.Interop;

/// <summary>cuFFT (libcufft), C names kept verbatim.</summary>
internal static unsafe partial class Cufft
{
    public const string Library = "cufft";

    public const int CUFFT_FORWARD = -1;
    public const int CUFFT_INVERSE = 1;

    [LibraryImport(Library)] public static partial cufftResult cufftGetVersion(out int version);
    [LibraryImport(Library)] public static partial cufftResult cufftCreate(out cufftHandle plan);
    [LibraryImport(Library)]
    public static partial cufftResult cufftMakePlanMany(cufftHandle plan, int rank, int* n, int* inembed, int istride, int idist,
        int* onembed, int ostride, int odist, cufftType type, int batch, out nuint workSize);
    [LibraryImport(Library)] public static partial cufftResult cufftGetSize(cufftHandle plan, out nuint workSize);
    [LibraryImport(Library)] public static partial cufftResult cufftSetStream(cufftHandle plan, CUstream stream);
    [LibraryImport(Library)] public static partial cufftResult cufftExecC2C(cufftHandle plan, CUdeviceptr idata, CUdeviceptr odata, int direction);
    [LibraryImport(Library)] public static partial cufftResult cufftExecR2C(cufftHandle plan, CUdeviceptr idata, CUdeviceptr odata);
    [LibraryImport(Library)] public static partial cufftResult cufftExecC2R(cufftHandle plan, CUdeviceptr idata, CUdeviceptr odata);
    [LibraryImport(Library)] public static partial cufftResult cufftDestroy(cufftHandle plan);

}
