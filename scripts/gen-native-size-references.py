#!/usr/bin/env python3
"""Reference case for images at their own sizes (issue 21), made with Kymatio's numpy backend.

Usage: PYTHONPATH=/path/to/kymatio-source python3 scripts/gen-native-size-references.py [OUTDIR]
(OUTDIR defaults to tests/Scat.Tests/data/native/mixed_rgb_J2_L4). Needs numpy and scipy; Kymatio is read from its
source tree and not modified.

images/img_N.png: RGB PNGs of several sizes (two of one padded size but different sizes, two of one size), and
img_2_tiny.png, too small for J = 2 (scat skips it by name). ref.npz: for each other image i, in listing order,
x{i} float32 (3, H, W) (the PNG's pixels / 255), S{i} float32 (3, K, H', W') = Scattering2D(J, shape=(H, W), L,
max_order=2)(x) on float64 input, P{i} float32 (3, K) = the mean of S over its positions, in float64; J, L, order,
paths (the image names, listing order, tiny one left out).
"""
import os
import struct
import sys
import zlib

import numpy as np
from kymatio.numpy import Scattering2D

J, L, ORDER = 2, 4, 2
# (height, width): 20x28 and 21x28 share the padded size 28x36 with different pads; 24x24 comes twice.
SIZES = [(20, 28), (21, 28), None, (31, 36), (24, 24), (24, 24), (17, 40)]


def png(path, pixels):
    """An 8-bit RGB PNG of an (H, W, 3) uint8 array (no filter, zlib)."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def image(rng, h, w):
    """Noise plus a ramp per channel, so that borders and channels differ."""
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty((h, w, 3))
    for c in range(3):
        out[..., c] = 0.5 * rng.random((h, w)) + 0.5 * ((c + 1) * 0.3 * y / (h - 1) + (1 - 0.3 * c) * x / (w - 1)) / 2
    return np.clip(np.round(out * 255), 0, 255).astype(np.uint8)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "Scat.Tests", "data", "native", "mixed_rgb_J2_L4")
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    rng = np.random.default_rng(21)
    arrays, paths = {}, []
    for n, size in enumerate(SIZES):
        if size is None:
            png(os.path.join(out, "images", "img_2_tiny.png"), image(rng, 3, 9))
            continue
        h, w = size
        pixels = image(rng, h, w)
        name = f"img_{n}.png"
        png(os.path.join(out, "images", name), pixels)
        x = (pixels.astype(np.float32) / 255).transpose(2, 0, 1)
        s = Scattering2D(J=J, shape=(h, w), L=L, max_order=ORDER)(x.astype(np.float64))
        i = len(paths)
        arrays[f"x{i}"] = x
        arrays[f"S{i}"] = s.astype(np.float32)
        arrays[f"P{i}"] = s.mean(axis=(-2, -1)).astype(np.float32)
        paths.append(name)
    np.savez(os.path.join(out, "ref.npz"), J=np.int64(J), L=np.int64(L), order=np.int64(ORDER), paths=np.array(paths), **arrays)


if __name__ == "__main__":
    main()
