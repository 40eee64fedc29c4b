#!/usr/bin/env python3
"""Reference for scat's array input: a float64 (N, 5, H, W) five-band array and Kymatio's own coefficients.

Run with Kymatio's sources on the path (see docs: fetch github:kymatio/kymatio, then
PYTHONPATH=/tmp/kymatio-src /usr/bin/python3 scripts/make-five-band-reference.py OUT.npz).
Writes OUT.npz (deflated: the test also covers compressed members) with x (N, 5, H, W) float64 (smooth fields plus noise in arbitrary physical units, not in [0, 1]),
y (N,) int64 labels, Sx = kymatio.numpy.Scattering2D(J, (H, W), L)(x) (computed in float64, stored as float32), and J, L.
"""
import sys
import numpy as np
from kymatio.numpy import Scattering2D

N, C, H, W, J, L = 2, 5, 24, 24, 2, 8


def main():
    rng = np.random.default_rng(20261201)
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing='ij')
    x = np.empty((N, C, H, W), dtype=np.float64)
    for n in range(N):
        for c in range(C):
            fx, fy, ph = rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4), rng.uniform(0, 2 * np.pi)
            field = np.sin(2 * np.pi * (fx * xx + fy * yy) / 4 + ph) * (10.0 ** (c - 2))
            x[n, c] = 250.0 + 40.0 * field + rng.normal(0, 3.0, size=(H, W))
    S = Scattering2D(J=J, shape=(H, W), L=L)
    Sx = S(x)
    np.savez_compressed(sys.argv[1], x=x, y=np.array([3, 1], dtype=np.int64), Sx=Sx.astype(np.float32), J=np.int64(J), L=np.int64(L))


if __name__ == '__main__':
    main()
