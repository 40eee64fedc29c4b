// Shared definitions of the scattering kernels: no standard-library or toolkit headers, so that every
// kernel file compiles with NVRTC on its own (--std=c++17 -I kernels/) and with a host C++ compiler
// through the test emulator's shim.
#ifndef SCAT_COMMON_CUH
#define SCAT_COMMON_CUH

// Threads per block along x; the launcher in Scat.Core uses the same value (ScatKernels.BlockSize).
#ifndef SCAT_BLOCK
#define SCAT_BLOCK 256
#endif

// Same layout as cufftComplex (float2): real part, then imaginary part.
struct scat_complex
{
    float x;
    float y;
};

typedef long long scat_index;

__device__ __forceinline__ scat_complex scat_make_complex(float re, float im)
{
    scat_complex z;
    z.x = re;
    z.y = im;
    return z;
}

__device__ __forceinline__ scat_complex scat_conj(scat_complex z)
{
    return scat_make_complex(z.x, -z.y);
}

// Element of the plane handled by this thread: planes run along blockIdx.y, elements along x.
__device__ __forceinline__ int scat_element()
{
    return (int)(blockIdx.x * blockDim.x + threadIdx.x);
}

__device__ __forceinline__ int scat_plane()
{
    return (int)blockIdx.y;
}

// numpy.pad index of padded position i in a signal of n samples, per mode (PaddingMode in Scat.Core's
// Transform/Padding.cs, same values): 0 reflect (mirror without the edge, period 2(n - 1)), 1 symmetric (mirror
// with the edge, period 2n), 2 zero (-1 outside 0..n-1), 3 periodic (period n).
__device__ __forceinline__ int scat_pad_index(int mode, int i, int n)
{
    if (i >= 0 && i < n) return i;
    if (mode == 2) return -1;
    if (mode == 3)
    {
        int m = i % n;
        return m < 0 ? m + n : m;
    }
    if (mode == 1)
    {
        int period = 2 * n;
        int m = i % period;
        if (m < 0) m += period;
        return m < n ? m : period - 1 - m;
    }
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    int m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - m;
}

#endif
