#!/usr/bin/env python3
"""Reference cases for the options that change the coefficients (issue 16), made with Kymatio's numpy backend.

Usage: PYTHONPATH=/path/to/kymatio-source python3 scripts/gen-coefficient-references.py [OUTDIR]
(OUTDIR defaults to tests/Scat.Tests/data/coefficients). Needs numpy and scipy; Kymatio is read from its
source tree and not modified.

padding_*.npz: Kymatio's Scattering2D with its padding call switched to each np.pad mode (the backend's Pad
is monkeypatched for the run; reflect is Kymatio as shipped). Arrays: x float32 (N, C, H, W) in [0, 1];
S_reflect, S_symmetric, S_zero, S_periodic float32 (N, C, K, H', W') (np.pad modes reflect, symmetric,
constant with 0, wrap); J, L, order.

rotation_*.npz: the rotation-invariant channels defined in docs/SCATTERING.md, computed from Kymatio's plain
output S with numpy's FFT: for order 1, v[θ] = S1[j1, θ]; for order 2, v[θ] = S2[j1, θ, j2, (θ + δ) mod L];
R[m] = np.abs(np.fft.fft(v, axis=θ))[..., :L//2 + 1] / L. Arrays: x, S (plain), R float32 (N, C, K', H', W'),
order, j1, j2, delta, freq (the channel meta of R), J, L, order_max.

pad_index.npz: np.pad itself on index signals, for the pads the transform uses: cases int64 (count, 4) of
(mode 0..3 as in MODES, n, before, after) and values int64 (concatenated rows): np.pad(arange(n) + 1,
(before, after), mode) − 1, so −1 marks a zero of mode 'constant'.

reference-extra/gray256x256_J5_L8_order2/ref.npz (issue 20: a case at a size real images have, whose padded size
320 sends the CPU engine to its narrower lane groups, kept to a few hundred KB by J = 5): the arrays of the reference
cases (x, S, J, L, order, paths, labels), one gray image; written to tests/Scat.Tests/data/reference-extra whatever
OUTDIR is.

Inputs are computed in float64 (x as stored in float32) and the results stored as float32.
"""
import os
import sys

import numpy as np
from kymatio.numpy import Scattering2D
from kymatio.scattering2d.backend import numpy_backend

MODES = {"reflect": "reflect", "symmetric": "symmetric", "zero": "constant", "periodic": "wrap"}


def images(seed, n, c, h, w):
    """Smooth-ish random images: uniform noise plus a ramp, so that the borders differ from each other."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    ramp = (0.6 * y / max(h - 1, 1) + 0.4 * x / max(w - 1, 1))[None, None]
    return (0.5 * rng.random((n, c, h, w)) + 0.5 * ramp).astype(np.float32)


def scatter(x, J, L, order, mode="reflect"):
    original = numpy_backend.Pad.__call__

    def padded(self, a):
        paddings = ((0, 0), (self.pad_size[0], self.pad_size[1]), (self.pad_size[2], self.pad_size[3]))
        return np.pad(a, paddings, mode=mode)

    numpy_backend.Pad.__call__ = padded
    try:
        s = Scattering2D(J=J, shape=x.shape[-2:], L=L, max_order=order)
        return s(x.astype(np.float64)).astype(np.float32)
    finally:
        numpy_backend.Pad.__call__ = original


def first_order(j1, t, L):
    return 1 + j1 * L + t


def second_order(j1, t1, j2, t2, J, L):
    index = 1 + J * L
    for a in range(j1):
        index += L * (J - 1 - a) * L
    index += t1 * (J - 1 - j1) * L
    return index + (j2 - j1 - 1) * L + t2


def rotation_invariant(S, J, L, order):
    """R and its channel meta from plain coefficients S (..., K, H', W') in scat's (and Kymatio's) channel order."""
    M = L // 2 + 1
    maps, meta = [S[..., 0, :, :]], [(0, -1, -1, -1, -1)]

    def moduli(v):  # v: (..., L, H', W') along θ
        return np.abs(np.fft.fft(v.astype(np.float64), axis=-3))[..., :M, :, :] / L

    for j1 in range(J):
        v = np.stack([S[..., first_order(j1, t, L), :, :] for t in range(L)], axis=-3)
        r = moduli(v)
        for m in range(M):
            maps.append(r[..., m, :, :])
            meta.append((1, j1, -1, -1, m))
    if order == 2:
        for j1 in range(J):
            for j2 in range(j1 + 1, J):
                for d in range(L):
                    v = np.stack([S[..., second_order(j1, t, j2, (t + d) % L, J, L), :, :] for t in range(L)], axis=-3)
                    r = moduli(v)
                    for m in range(M):
                        maps.append(r[..., m, :, :])
                        meta.append((2, j1, j2, d, m))
    return np.stack(maps, axis=-3).astype(np.float32), np.array(meta, dtype=np.int64)


def pad_index_table(out):
    cases, values = [], []
    for mode_index, numpy_mode in enumerate(MODES.values()):
        for n in range(1, 41):
            pads = set()
            J = 1
            while 2 ** J <= n:  # Hp = ((n + 2^J) div 2^J + 1) 2^J, pad (Hp - n) div 2 before, the rest after
                s = 2 ** J
                total = ((n + s) // s + 1) * s - n
                pads.add((total // 2, (total + 1) // 2))
                J += 1
            pads.add((n, n))  # a pad as wide as the signal on both sides
            for before, after in sorted(pads):
                cases.append((mode_index, n, before, after))
                values.extend(np.pad(np.arange(n) + 1, (before, after), mode=numpy_mode) - 1)
    np.savez_compressed(os.path.join(out, "pad_index.npz"), cases=np.array(cases, dtype=np.int64), values=np.array(values, dtype=np.int64))
    print("pad_index", len(cases), "cases")


def large_reference_case():
    """A reference case in the layout of reference-extra (x, S, J, L, order, paths, labels)."""
    name, seed, n, c, h, w, J, L, order = "gray256x256_J5_L8_order2", 8, 1, 1, 256, 256, 5, 8, 2
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "Scat.Tests", "data", "reference-extra", name)
    os.makedirs(out, exist_ok=True)
    x = images(seed, n, c, h, w)
    S = scatter(x, J, L, order)
    np.savez_compressed(os.path.join(out, "ref.npz"), x=x, S=S, J=np.int64(J), L=np.int64(L), order=np.int64(order),
                        paths=np.array(["img_%03d" % i for i in range(n)]), labels=np.zeros(n, dtype=np.int64))
    print(name, x.shape, S.shape)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "Scat.Tests", "data", "coefficients")
    if "--large-only" in sys.argv:
        large_reference_case()
        return
    large_reference_case()
    os.makedirs(out, exist_ok=True)
    pad_index_table(out)
    # (name, seed, N, C, H, W, J, L, order)
    padding_cases = [
        ("padding_gray17x23_J2_L8", 1, 2, 1, 17, 23, 2, 8, 2),      # odd sizes
        ("padding_gray8x8_J3_L8", 2, 2, 1, 8, 8, 3, 8, 2),          # pad (8 a side) as wide as the image
        ("padding_rgb21x30_J2_L5", 3, 1, 3, 21, 30, 2, 5, 2),       # L odd, RGB
        ("padding_gray33x45_J2_L4_order1", 4, 2, 1, 33, 45, 2, 4, 1),  # order 1 only
    ]
    for name, seed, n, c, h, w, J, L, order in padding_cases:
        x = images(seed, n, c, h, w)
        arrays = {"x": x, "J": np.int64(J), "L": np.int64(L), "order": np.int64(order)}
        for ours, numpy_mode in MODES.items():
            arrays["S_" + ours] = scatter(x, J, L, order, numpy_mode)
        np.savez_compressed(os.path.join(out, name + ".npz"), **arrays)
        print(name, {k: v.shape for k, v in arrays.items()})
    rotation_cases = [
        ("rotation_gray24x24_J2_L8", 5, 2, 1, 24, 24, 2, 8, 2),     # L even
        ("rotation_gray21x30_J2_L5", 6, 2, 1, 21, 30, 2, 5, 2),     # L odd
        ("rotation_gray16x20_J1_L6", 7, 2, 1, 16, 20, 1, 6, 2),     # J = 1: no order 2
    ]
    for name, seed, n, c, h, w, J, L, order in rotation_cases:
        x = images(seed, n, c, h, w)
        S = scatter(x, J, L, order)
        R, meta = rotation_invariant(S, J, L, order)
        np.savez_compressed(os.path.join(out, name + ".npz"), x=x, S=S, R=R, J=np.int64(J), L=np.int64(L),
                            order_max=np.int64(order), order=meta[:, 0], j1=meta[:, 1], j2=meta[:, 2],
                            delta=meta[:, 3], freq=meta[:, 4])
        print(name, S.shape, R.shape)


if __name__ == "__main__":
    main()
