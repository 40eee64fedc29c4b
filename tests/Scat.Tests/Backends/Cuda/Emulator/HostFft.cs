using System.Numerics;
using Scat.Backends.Cuda.Driver;
using Scat.Transform;

namespace Scat.Tests.Backends.Cuda.Emulator;

/// <summary>
/// cuFFT's semantics on host memory, in double precision: unnormalised 2D transforms of <c>batch</c> contiguous
/// h × w signals; R2C writes h × (w/2 + 1), C2R reads it (the missing half by Hermitian symmetry, as irfft2 does),
/// C2C either direction. Correctness over speed: rows and columns through the plain mixed-radix DFT of Fft64.
/// </summary>
internal static unsafe class HostFft
{
    public static void Execute(FftKind kind, int h, int w, int batch, nint input, nint output, bool inverse)
    {
        int half = w / 2 + 1;
        var data = new Complex[h * w];
        for (int b = 0; b < batch; b++)
        {
            switch (kind)
            {
                case FftKind.R2C:
                    {
                        float* x = (float*)input + (long)b * h * w;
                        for (int i = 0; i < h * w; i++) data[i] = x[i];
                        Transform2D(data, h, w, inverse: false);
                        float* y = (float*)output + (long)b * h * half * 2;
                        for (int u = 0; u < h; u++)
                            for (int v = 0; v < half; v++)
                            {
                                var z = data[u * w + v];
                                y[(u * half + v) * 2] = (float)z.Real;
                                y[(u * half + v) * 2 + 1] = (float)z.Imaginary;
                            }
                        break;
                    }
                case FftKind.C2R:
                    {
                        float* x = (float*)input + (long)b * h * half * 2;
                        for (int u = 0; u < h; u++)
                            for (int v = 0; v < w; v++)
                            {
                                if (v < half) data[u * w + v] = new Complex(x[(u * half + v) * 2], x[(u * half + v) * 2 + 1]);
                                else
                                {
                                    int e = ((h - u) % h * half + (w - v)) * 2;
                                    data[u * w + v] = new Complex(x[e], -x[e + 1]);
                                }
                            }
                        Transform2D(data, h, w, inverse: true);
                        float* y = (float*)output + (long)b * h * w;
                        for (int i = 0; i < h * w; i++) y[i] = (float)data[i].Real;
                        break;
                    }
                default:
                    {
                        float* x = (float*)input + (long)b * h * w * 2;
                        for (int i = 0; i < h * w; i++) data[i] = new Complex(x[2 * i], x[2 * i + 1]);
                        Transform2D(data, h, w, inverse);
                        float* y = (float*)output + (long)b * h * w * 2;
                        for (int i = 0; i < h * w; i++)
                        {
                            y[2 * i] = (float)data[i].Real;
                            y[2 * i + 1] = (float)data[i].Imaginary;
                        }
                        break;
                    }
            }
        }
    }

    /// <summary>Unnormalised 2D DFT; the inverse is conj(F(conj(x))), without the 1/(h·w).</summary>
    private static void Transform2D(Complex[] data, int h, int w, bool inverse)
    {
        if (inverse) for (int i = 0; i < data.Length; i++) data[i] = Complex.Conjugate(data[i]);
        Fft64.Forward2D(data, h, w);
        if (inverse) for (int i = 0; i < data.Length; i++) data[i] = Complex.Conjugate(data[i]);
    }
}
