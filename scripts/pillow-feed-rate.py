#!/usr/bin/env python3
"""How fast Pillow feeds a model: decode + resize + centre-crop of every JPEG in a folder, in a pool of processes.

  pillow-feed-rate.py DIR --size N [--no-draft] [--processes 2] [--repeat 3]

Each image is opened, draft()-ed (libjpeg's DCT-domain downscaling to the smallest 1/2, 1/4 or 1/8 scale that
still covers the size, unless --no-draft), converted to RGB, resized with bilinear filtering so that its short
side is N (torchvision's Resize(N)), centre-cropped to N x N and turned into a float32 array in [0, 1], planar
(C, H, W): what scat's decode stage produces. Prints images/s of the best of --repeat runs (pool start excluded,
the pool is warmed on a few images first). The comparison for docs/benchmarks.md, next to
`scat extract DIR --size N -J 1 -L 1 --order 1 --pool mean`.
"""
import argparse
import os
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

SIZE = 32
DRAFT = True


def init(size, draft):
    global SIZE, DRAFT
    SIZE, DRAFT = size, draft


def load(path):
    n = SIZE
    with Image.open(path) as im:
        if DRAFT:
            w, h = im.size
            # the size the short side goes to N: what the resize needs
            if w < h:
                need = (n, max(n, int(n * h / w)))
            else:
                need = (max(n, int(n * w / h)), n)
            im.draft("RGB", need)
        im = im.convert("RGB")
        w, h = im.size
        if w < h:
            nw, nh = n, max(n, int(n * h / w))
        else:
            nw, nh = max(n, int(n * w / h)), n
        im = im.resize((nw, nh), Image.BILINEAR)
        left = int(round((nw - n) / 2.0))
        top = int(round((nh - n) / 2.0))
        im = im.crop((left, top, left + n, top + n))
        a = np.asarray(im, dtype=np.float32) / 255.0
        return np.ascontiguousarray(a.transpose(2, 0, 1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--no-draft", action="store_true")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.lower().endswith((".jpg", ".jpeg")))
    if not files:
        sys.exit(f"pillow-feed-rate.py: error: no JPEG in {a.dir}")
    best = 0.0
    with Pool(a.processes, initializer=init, initargs=(a.size, not a.no_draft)) as pool:
        pool.map(load, files[: 4 * a.processes])  # warm the workers
        for _ in range(a.repeat):
            t = time.perf_counter()
            done = sum(1 for _ in pool.imap(load, files, chunksize=16))
            rate = done / (time.perf_counter() - t)
            best = max(best, rate)
    mode = "no draft" if a.no_draft else "draft"
    print(f"pillow ({mode}, {a.processes} processes) --size {a.size}: {len(files)} images, {best:.0f} images/s (best of {a.repeat})")


if __name__ == "__main__":
    main()
