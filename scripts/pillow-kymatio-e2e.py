#!/usr/bin/python3
"""The Pillow + Kymatio pipeline end to end, for `scat bench --end-to-end DIR --size N` to be compared with.

  KYMATIO=/path/to/kymatio-source scripts/pillow-kymatio-e2e.py DIR --size N [--batch-size 128]
      [--processes 2] [--limit K] [--no-draft] [-J 2] [-L 8]

Every JPEG of DIR (sorted by name; the first K with --limit) is decoded, resized and centre-cropped to N x N in a
pool of processes by pillow-feed-rate.py's loader (the same steps as scat's decode stage: draft, RGB, bilinear
resize of the short side to N, centre crop, float32 planar in [0, 1]), batched, scattered by Kymatio's numpy
backend (Scattering2D(J, shape=(N, N), L), order 2, on float32 input) in this process while the pool decodes the
next images, and the float32 coefficients written to one .npy in a temporary folder (removed at the end). Prints
the wall time of the whole run, the time the main process spent waiting for decoded images, in the transform and
in the write, and images/s. Needs Debian's python3-numpy, python3-scipy and python3-pil, and Kymatio's source.
"""
import argparse
import importlib.util
import os
import sys
import tempfile
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.environ.get("KYMATIO", "/tmp/ky"))
from kymatio.numpy import Scattering2D  # noqa: E402

# The one loader of the Pillow side, shared with the feed-rate script.
_spec = importlib.util.spec_from_file_location("pillow_feed_rate", os.path.join(os.path.dirname(os.path.abspath(__file__)), "pillow-feed-rate.py"))
feed = importlib.util.module_from_spec(_spec)
sys.modules["pillow_feed_rate"] = feed  # so that the pool's workers find its functions by name
_spec.loader.exec_module(feed)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--limit", type=int)
    p.add_argument("--no-draft", action="store_true")
    p.add_argument("-J", type=int, default=2)
    p.add_argument("-L", type=int, default=8)
    a = p.parse_args()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.lower().endswith((".jpg", ".jpeg")))
    if a.limit:
        files = files[: a.limit]
    if not files:
        sys.exit(f"pillow-kymatio-e2e.py: error: no JPEG in {a.dir}")
    S = Scattering2D(J=a.J, shape=(a.size, a.size), L=a.L)
    S(np.zeros((1, 3, a.size, a.size), dtype=np.float32))  # filters built before the clock starts, as scat's bank
    wait = transform = write = 0.0
    with tempfile.TemporaryDirectory() as tmp, Pool(a.processes, initializer=feed.init, initargs=(a.size, not a.no_draft)) as pool:
        out_path = os.path.join(tmp, "features.npy")
        start = time.perf_counter()
        images = pool.imap(feed.load, files, chunksize=16)
        out = None
        done = 0
        while done < len(files):
            t = time.perf_counter()
            batch = np.stack([next(images) for _ in range(min(a.batch_size, len(files) - done))])
            t1 = time.perf_counter()
            y = S(batch).astype(np.float32)
            t2 = time.perf_counter()
            if out is None:
                out = np.lib.format.open_memmap(out_path, mode="w+", dtype=np.float32, shape=(len(files),) + y.shape[1:])
            out[done:done + len(batch)] = y
            t3 = time.perf_counter()
            wait += t1 - t; transform += t2 - t1; write += t3 - t2
            done += len(batch)
        out.flush()
        del out
        total = time.perf_counter() - start
    print(f"pillow + kymatio numpy --size {a.size}, batch {a.batch_size}, {a.processes} decode processes: {len(files)} images "
          f"in {total:.1f} s ({len(files) / total:.2f} images/s); waiting for decode {wait:.1f} s, transform {transform:.1f} s, write {write:.1f} s")


if __name__ == "__main__":
    main()
