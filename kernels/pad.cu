// Reflect padding of a batch of real planes into the real input of the forward R2C transform.
#include "scat_common.cuh"

// in:  planes of ih x iw floats, back to back.
// out: planes of h x w floats (the padded size), back to back; row (y) reads input row reflect(y - top).
// Grid: x covers h * w elements, y the planes.
extern "C" __global__ void scat_pad_reflect(const float* __restrict__ in, float* __restrict__ out,
                                            int ih, int iw, int h, int w, int top, int left)
{
    int e = scat_element();
    if (e >= h * w) return;
    int plane = scat_plane();
    int y = e / w;
    int x = e - y * w;
    int sy = scat_reflect(y - top, ih);
    int sx = scat_reflect(x - left, iw);
    out[(scat_index)plane * h * w + e] = in[(scat_index)plane * ih * iw + (scat_index)sy * iw + sx];
}
