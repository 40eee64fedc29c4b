#!/usr/bin/env python3
"""JPEG photo sets made from freely licensed photos (scikit-image's sample data, CC0 or public domain).

  make-photos.py corpus SRC OUT        the small test corpus (tests/Scat.Tests/data/photos), deterministic
  make-photos.py bench SRC OUT [-n N]  N (default 2,000) JPEGs of 400x300 to 640x480, quality 75-95, for
                                       benchmarks (not committed)

SRC is scikit-image's data folder (skimage/data). Where scikit-image is not installed, Debian's package holds it:
  apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /tmp/sk
  SRC=/tmp/sk/usr/lib/python3/dist-packages/skimage/data
For `bench`, SRC may also be tests/Scat.Tests/data/photos (the corpus itself: derivatives of derivatives).
Needs numpy and Pillow only.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

# name -> licence, as scikit-image's data module documents them.
SOURCES = {
    "astronaut.png": "public domain (NASA, Eileen Collins)",
    "chelsea.png": "CC0 (photographer Stefan van der Walt)",
    "coffee.png": "CC0 (photographer Rachel Michetti)",
    "rocket.jpg": "public domain (SpaceX, DSCOVR launch on Falcon 9)",
    "hubble_deep_field.jpg": "public domain (NASA/ESA Hubble eXtreme Deep Field)",
    "retina.jpg": "CC0 (Häggström, fundus photograph, Wikimedia Commons)",
    "camera.png": "CC0 (photographer Lav Varshney)",
}


def load_sources(src):
    images = {}
    for name in SOURCES:
        path = os.path.join(src, name)
        if os.path.exists(path):
            images[name] = Image.open(path).convert("L" if name == "camera.png" else "RGB")
    if not images:  # a folder of JPEGs (e.g. the corpus itself)
        for name in sorted(os.listdir(src)):
            if name.lower().endswith((".jpg", ".jpeg", ".png")):
                images[name] = Image.open(os.path.join(src, name)).convert("RGB")
    if not images:
        sys.exit(f"make-photos.py: error: no source photos in {src}")
    return images


def derive(im, rng, w, h):
    """A random crop of the photo with the aspect ratio w:h, at a random part of its area, resized to w x h."""
    sw, sh = im.size
    aspect = w / h
    area = rng.uniform(0.35, 1.0) * sw * sh
    cw = min(sw, int(round((area * aspect) ** 0.5)))
    ch = min(sh, int(round(cw / aspect)))
    cw = min(cw, int(round(ch * aspect)))
    x0 = int(rng.integers(0, sw - cw + 1))
    y0 = int(rng.integers(0, sh - ch + 1))
    return im.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.BICUBIC)


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


def corpus(src, out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(15)
    images = load_sources(src)
    # (w, h, quality, subsampling, progressive, EXIF orientation)
    shapes = [(512, 384, 90, 2, False, None), (400, 300, 75, 2, False, None), (640, 480, 95, 0, True, None),
              (375, 500, 85, 1, False, None)]
    count = 0
    for name, im in images.items():
        stem = os.path.splitext(name)[0]
        for i, (w, h, q, sub, prog, orient) in enumerate(shapes):
            if name == "camera.png" and i > 1:
                break
            if name == "rocket.jpg" and i == 3:
                orient = 6  # stored sideways, shown upright after EXIF orientation
            d = derive(im, rng, w, h)
            if orient == 6:
                d = d.transpose(Image.ROTATE_90)  # the viewer rotates it back (270 CW == 90 CCW)
            kw = dict(quality=q, subsampling=sub, progressive=prog, optimize=True)
            if orient:
                kw["exif"] = exif_orientation(orient).tobytes()
            path = os.path.join(out, f"{stem}-{i}-{w}x{h}-q{q}.jpg")
            d.save(path, "JPEG", **kw)
            count += 1
    print(f"{count} photos in {out}")


def bench(src, out, n):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2000)
    images = list(load_sources(src).values())
    for k in range(n):
        im = images[k % len(images)]
        w = int(rng.integers(400, 641))
        h = int(round(w * 0.75))
        if rng.random() < 0.2:
            w, h = h, w  # some portraits
        q = int(rng.integers(75, 96))
        derive(im.convert("RGB"), rng, w, h).save(os.path.join(out, f"{k:05d}.jpg"), "JPEG", quality=q)
    print(f"{n} photos in {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["corpus", "bench"])
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("-n", type=int, default=2000)
    a = p.parse_args()
    if a.what == "corpus":
        corpus(a.src, a.out)
    else:
        bench(a.src, a.out, a.n)


if __name__ == "__main__":
    main()
