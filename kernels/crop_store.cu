// Crop of the low-pass results (unnormalised C2R inverse, h x w real per plane) and scatter into the output
// tensor (planes, K, h - 2, w - 2) at one scattering channel, with the 1/(h*w) scale of F^-1.
#include "scat_common.cuh"

// in:  planes of h x w floats; out: planes of channels x (h - 2) x (w - 2) floats.
// Grid: x covers (h - 2) * (w - 2) elements, y the planes.
extern "C" __global__ void scat_crop_store(const float* __restrict__ in, float* __restrict__ out, int h, int w,
                                           int channels, int channel, float scale)
{
    int oh = h - 2;
    int ow = w - 2;
    int e = scat_element();
    if (e >= oh * ow) return;
    int plane = scat_plane();
    int y = e / ow;
    int x = e - y * ow;
    float v = in[(scat_index)plane * h * w + (scat_index)(y + 1) * w + (x + 1)];
    out[((scat_index)plane * channels + channel) * oh * ow + e] = v * scale;
}
