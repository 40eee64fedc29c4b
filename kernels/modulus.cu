// Modulus of the unnormalised inverse C2C transform of a wavelet band, with the 1/(h*w) scale of F^-1:
// the real input of the next forward R2C transform.
#include "scat_common.cuh"

// in:  planes of n complex values; out: planes of n floats, out = |in| * scale.
// Grid: x covers n elements, y the planes.
extern "C" __global__ void scat_modulus(const scat_complex* __restrict__ in, float* __restrict__ out, int n, float scale)
{
    int e = scat_element();
    if (e >= n) return;
    scat_index o = (scat_index)scat_plane() * n + e;
    scat_complex z = in[o];
    out[o] = sqrtf(z.x * z.x + z.y * z.y) * scale;
}
