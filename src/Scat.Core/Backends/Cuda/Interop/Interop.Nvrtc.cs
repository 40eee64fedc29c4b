using System.Runtime.InteropServices;

namespace Scat.Backends.Cuda.Interop;

/// <summary>NVRTC, the runtime compiler of CUDA C++ (libnvrtc), C names kept verbatim.</summary>
internal static unsafe partial class Nvrtc
{
    public const string Library = "nvrtc";

    [LibraryImport(Library)] public static partial nvrtcResult nvrtcVersion(out int major, out int minor);
    /// <summary>Since NVRTC 11.2.</summary>
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetNumSupportedArchs(out int numArchs);
    /// <summary>Since NVRTC 11.2.</summary>
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetSupportedArchs(int* archs);
    [LibraryImport(Library)]
    public static partial nvrtcResult nvrtcCreateProgram(out nvrtcProgram prog, byte* src, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, byte** options);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, out nuint logSizeRet);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, byte* log);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, out nuint ptxSizeRet);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetPTX(nvrtcProgram prog, byte* ptx);
    /// <summary>Since NVRTC 11.1.</summary>
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, out nuint cubinSizeRet);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, byte* cubin);
    [LibraryImport(Library)] public static partial nvrtcResult nvrtcDestroyProgram(ref nvrtcProgram prog);
    [LibraryImport(Library)] public static partial byte* nvrtcGetErrorString(nvrtcResult result);

    public static string ErrorText(nvrtcResult result)
    {
        try
        {
            byte* p = nvrtcGetErrorString(result);
            if (p != null) return Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return "";
    }
}
