// Padding of a batch of real planes into the real input of the forward R2C transform.
#include "scat_common.cuh"

// in:  planes of ih x iw floats, back to back.
// out: planes of h x w floats (the padded size), back to back; element (y, x) reads input
//      (scat_pad_index(mode, y - top, ih), scat_pad_index(mode, x - left, iw)), or 0 where either is -1.
// Grid: x covers h * w elements, y the planes.
extern "C" __global__ void scat_pad(const float* __restrict__ in, float* __restrict__ out,
                                    int ih, int iw, int h, int w, int top, int left, int mode)
{
    int e = scat_element();
    if (e >= h * w) return;
    int plane = scat_plane();
    int y = e / w;
    int x = e - y * w;
    int sy = scat_pad_index(mode, y - top, ih);
    int sx = scat_pad_index(mode, x - left, iw);
    out[(scat_index)plane * h * w + e] = (sy < 0 || sx < 0) ? 0.0f : in[(scat_index)plane * ih * iw + (scat_index)sy * iw + sx];
}
