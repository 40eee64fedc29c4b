// Product of a half spectrum with a real filter, fused with periodization (Fourier-domain subsampling by k):
//   dst[a, b] = (1/k^2) * sum_{i,j < k} X[a + i*h/k, b + j*w/k] * f[a + i*h/k, b + j*w/k]
// The source X is the R2C half spectrum of a real signal (h rows of w/2 + 1 columns); a column v beyond
// w/2 is read through Hermitian symmetry X[u, v] = conj(X[(h - u) mod h, w - v]).
#include "scat_common.cuh"

// src:    planes of h x (w/2 + 1) complex values (half spectra).
// filter: h x w real values, shared by every plane.
// dst:    planes of (h/k) x dstCols complex values: dstCols = w/k writes full spectra (for a C2C inverse),
//         dstCols = (w/k)/2 + 1 writes half spectra (for a C2R inverse; the product must then be Hermitian).
// Grid: x covers (h/k) * dstCols elements, y the planes.
extern "C" __global__ void scat_mul_periodize(const scat_complex* __restrict__ src, const float* __restrict__ filter,
                                              scat_complex* __restrict__ dst, int h, int w, int k, int dstCols,
                                              float scale)
{
    int oh = h / k;
    int ow = w / k;
    int e = scat_element();
    if (e >= oh * dstCols) return;
    int plane = scat_plane();
    int a = e / dstCols;
    int b = e - a * dstCols;
    int half = w / 2 + 1;
    const scat_complex* x = src + (scat_index)plane * h * half;
    float re = 0.0f;
    float im = 0.0f;
    for (int i = 0; i < k; i++)
    {
        int u = a + i * oh;
        for (int j = 0; j < k; j++)
        {
            int v = b + j * ow;
            float f = filter[u * w + v];
            scat_complex z;
            if (v < half)
                z = x[u * half + v];
            else
                z = scat_conj(x[((h - u) % h) * half + (w - v)]);
            re += z.x * f;
            im += z.y * f;
        }
    }
    dst[(scat_index)plane * oh * dstCols + e] = scat_make_complex(re * scale, im * scale);
}
