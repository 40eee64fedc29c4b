namespace Scat.Transform;

/// <summary>Spectrum slots a backend keeps for the signals of the batch it is working on.</summary>
public enum Spectrum
{
    /// <summary>U0 = F(pad(x)), at resolution 0.</summary>
    U0,
    /// <summary>W1 = F(|x ⋆ ψλ1|), at resolution j1.</summary>
    W1,
    /// <summary>W2 = F(|(|x ⋆ ψλ1|) ⋆ ψλ2|), at resolution j2.</summary>
    W2,
    /// <summary>A wavelet product, periodized, waiting for its inverse transform and modulus.</summary>
    Band,
    /// <summary>A low-pass product, periodized to resolution J, waiting for its inverse transform.</summary>
    Low,
}

/// <summary>
/// A filter of the bank at one resolution: a wavelet (index in channel order) or the low-pass. With
/// <paramref name="Orientations"/> &gt; 1 (see <see cref="IScatteringOps.Orientations"/>), the wavelets
/// <c>Wavelet .. Wavelet + Orientations − 1</c> (one scale, consecutive orientations), one per orientation lane.
/// </summary>
public readonly record struct FilterRef(int Wavelet, int Resolution, int Orientations = 1)
{
    public const int LowPassIndex = -1;
    public static FilterRef Phi(int resolution) => new(LowPassIndex, resolution);
    public static FilterRef Psi(int wavelet, int resolution) => new(wavelet, resolution);
    public bool IsLowPass => Wavelet == LowPassIndex;
}

/// <summary>
/// The array primitives a backend supplies to the cascade. Each acts on every signal of the batch the
/// backend is working on (a CPU lane group, a whole GPU batch). Spectra are complex; how a backend stores
/// them (full or half spectra, layout, device) is its own business.
/// </summary>
public interface IScatteringOps
{
    /// <summary>
    /// 1: each signal is one input plane (every filter is the same for all). S &gt; 1 (S divides L): each input plane
    /// fills S signals side by side, and the first-order step gives signal s of a plane the orientation θ1 + s, so that
    /// one plane alone fills a backend's lanes; the cascade then visits θ1 = 0, S, 2S, … only.
    /// </summary>
    int Orientations { get; }

    /// <summary>dst = F(pad(x)) at resolution 0, for the batch's input planes.</summary>
    void PadForward(Spectrum dst);

    /// <summary>dst = periodize(src · filter, k): the product's spectrum subsampled by k (resolution + log2 k).</summary>
    void MultiplyPeriodize(Spectrum src, FilterRef filter, int k, Spectrum dst);

    /// <summary>dst = F(|F⁻¹(src)|): modulus of the inverse transform, transformed back.</summary>
    void ModulusForward(Spectrum src, Spectrum dst);

    /// <summary>
    /// Writes crop(Re F⁻¹(src)) as scattering channel <paramref name="channel"/> of each plane's output; with
    /// <see cref="Orientations"/> S &gt; 1, signal s of a plane as channel <c>channel + s · orientationStep</c> (a step of
    /// 0: the signals agree, and one is written).
    /// </summary>
    void InverseCropStore(Spectrum src, int channel, int orientationStep);
}

/// <summary>
/// The scattering cascade of SCATTERING.md, written once for every backend: orders 0, 1 and 2 in the
/// contract's channel order. Kymatio's <c>scattering2d</c> core is the model (its loops over λ1 and λ2).
/// </summary>
public static class ScatteringCascade
{
    public static void Run<TOps>(TOps ops, ScatteringLayout layout, FilterBank bank) where TOps : IScatteringOps
    {
        int bigJ = layout.J;
        int across = ops.Orientations;
        if (across < 1 || layout.L % across != 0) throw new InvalidOperationException($"{across} orientation lanes do not divide L = {layout.L}");
        ops.PadForward(Spectrum.U0);

        // Order 0: S0 = crop(Re F⁻¹(periodize(U0 · φ, 2^J)))
        ops.MultiplyPeriodize(Spectrum.U0, FilterRef.Phi(0), 1 << bigJ, Spectrum.Low);
        ops.InverseCropStore(Spectrum.Low, 0, 0);

        for (int n1 = 0; n1 < bank.Wavelets.Count; n1++)
        {
            var psi1 = bank.Wavelets[n1];
            int j1 = psi1.J;
            if (psi1.Theta % across != 0) continue; // an orientation lane of θ1 − s carries it
            // W1 = F(|F⁻¹(periodize(U0 · ψλ1, 2^j1))|)
            ops.MultiplyPeriodize(Spectrum.U0, new FilterRef(n1, 0, across), 1 << j1, Spectrum.Band);
            ops.ModulusForward(Spectrum.Band, Spectrum.W1);
            // S1 = crop(Re F⁻¹(periodize(W1 · φ[j1], 2^(J−j1))))
            ops.MultiplyPeriodize(Spectrum.W1, FilterRef.Phi(j1), 1 << (bigJ - j1), Spectrum.Low);
            ops.InverseCropStore(Spectrum.Low, layout.FirstOrderIndex(j1, psi1.Theta), 1);

            if (layout.Order < 2) continue;
            for (int n2 = 0; n2 < bank.Wavelets.Count; n2++)
            {
                var psi2 = bank.Wavelets[n2];
                int j2 = psi2.J;
                if (j2 <= j1) continue;
                ops.MultiplyPeriodize(Spectrum.W1, FilterRef.Psi(n2, j1), 1 << (j2 - j1), Spectrum.Band);
                ops.ModulusForward(Spectrum.Band, Spectrum.W2);
                ops.MultiplyPeriodize(Spectrum.W2, FilterRef.Phi(j2), 1 << (bigJ - j2), Spectrum.Low);
                int channel = layout.SecondOrderIndex(j1, psi1.Theta, j2, psi2.Theta);
                ops.InverseCropStore(Spectrum.Low, channel, across == 1 ? 0 : layout.SecondOrderIndex(j1, psi1.Theta + 1, j2, psi2.Theta) - channel);
            }
        }
    }
}
