#!/usr/bin/env python3
"""Reference cases for images at their own sizes and for tiles (issue 21), made with Kymatio's numpy backend.

Usage: PYTHONPATH=/path/to/kymatio-source python3 scripts/gen-native-size-references.py [OUTDIR]
(OUTDIR defaults to tests/Scat.Tests/data/native; the cases go to OUTDIR/mixed_rgb_J2_L4 and OUTDIR/tiles_gray_J2_L4).
Needs numpy and scipy; Kymatio is read from its source tree and not modified.

mixed_rgb_J2_L4:
images/img_N.png: RGB PNGs of several sizes (two of one padded size but different sizes, two of one size), and
img_2_tiny.png, too small for J = 2 (scat skips it by name). ref.npz: for each other image i, in listing order,
x{i} float32 (3, H, W) (the PNG's pixels / 255), S{i} float32 (3, K, H', W') = Scattering2D(J, shape=(H, W), L,
max_order=2)(x) on float64 input, P{i} float32 (3, K) = the mean of S over its positions, in float64; J, L, order,
paths (the image names, listing order, tiny one left out).

tiles_gray_J2_L4: images/photo_a.png, photo_b.png, 8-bit gray, of two sizes; ref.npz: for each tiling NAME in
(plain: tiles of height 16, width 20, no overlap; overlap: the same tiles 8 rows and 10 columns apart), NAME_S float32
(T, 1, K, H', W'): Kymatio on each tile's crop of x = pixels / 255, tiles row-major per image, images in listing order;
NAME_y, NAME_x int64 (the tiles' top-left corners), NAME_paths (each tile's image name); J, L, order.
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


TILE, TILINGS = (16, 20), {"plain": (16, 20), "overlap": (8, 10)}
PHOTOS = {"photo_a.png": (40, 52), "photo_b.png": (37, 45)}


def png(path, pixels):
    """An 8-bit RGB PNG of an (H, W, 3) uint8 array, or a gray one of (H, W) (no filter, zlib)."""
    h, w = pixels.shape[:2]
    colour = 2 if pixels.ndim == 3 else 0
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def image(rng, h, w):
    """Noise plus a ramp per channel, so that borders and channels differ."""
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty((h, w, 3))
    for c in range(3):
        out[..., c] = 0.5 * rng.random((h, w)) + 0.5 * ((c + 1) * 0.3 * y / (h - 1) + (1 - 0.3 * c) * x / (w - 1)) / 2
    return np.clip(np.round(out * 255), 0, 255).astype(np.uint8)


def tiles(out):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    rng = np.random.default_rng(22)
    xs = {}
    for name, (h, w) in PHOTOS.items():
        pixels = image(rng, h, w)[..., 1]
        png(os.path.join(out, "images", name), pixels)
        xs[name] = pixels.astype(np.float32) / 255
    th, tw = TILE
    scattering = Scattering2D(J=J, shape=TILE, L=L, max_order=ORDER)
    arrays = {}
    for tiling, (sy, sx) in TILINGS.items():
        s, ys, xs_, paths = [], [], [], []
        for name, x in xs.items():
            h, w = x.shape
            for y in range(0, h - th + 1, sy):
                for x0 in range(0, w - tw + 1, sx):
                    s.append(scattering(x[None, y:y + th, x0:x0 + tw].astype(np.float64)).astype(np.float32))
                    ys.append(y)
                    xs_.append(x0)
                    paths.append(name)
        arrays[f"{tiling}_S"] = np.stack(s)
        arrays[f"{tiling}_y"] = np.array(ys, dtype=np.int64)
        arrays[f"{tiling}_x"] = np.array(xs_, dtype=np.int64)
        arrays[f"{tiling}_paths"] = np.array(paths)
    np.savez(os.path.join(out, "ref.npz"), J=np.int64(J), L=np.int64(L), order=np.int64(ORDER), **arrays)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "Scat.Tests", "data", "native")
    tiles(os.path.join(root, "tiles_gray_J2_L4"))
    out = os.path.join(root, "mixed_rgb_J2_L4")
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
