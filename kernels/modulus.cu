// Modulus of the unnormalised inverse C2C transform of a wavelet band, with the 1/(h*w) scale of F^-1:
// the real input of the next forward R2C transform.
#include "scat_common.cuh"

// |z| * scale where z.x^2 + z.y^2 overflows (|z| beyond 1.8e19) although the result is finite: z scaled by 2^-96
// first and the result by 2^96 last (both exact). The same arithmetic as the CPU engine's ModulusOfHuge.
__device__ __forceinline__ float scat_modulus_of_huge(scat_complex z, float scale)
{
    const float up = 79228162514264337593543950336.0f; // 2^96
    const float down = 1.0f / up;
    float a = z.x * down, b = z.y * down;
    return sqrtf(a * a + b * b) * scale * up;
}

// in:  planes of n complex values; out: planes of n floats, out = |in| * scale.
// Grid: x covers n elements, y the planes. Elements whose plain formula overflows (rare) take the rescaled path;
// every other element keeps the bits of the plain formula.
extern "C" __global__ void scat_modulus(const scat_complex* __restrict__ in, float* __restrict__ out, int n, float scale)
{
    int e = scat_element();
    if (e >= n) return;
    scat_index o = (scat_index)scat_plane() * n + e;
    scat_complex z = in[o];
    float m = sqrtf(z.x * z.x + z.y * z.y) * scale;
    if (m > 3.40282347e38f) m = scat_modulus_of_huge(z, scale);
    out[o] = m;
}
