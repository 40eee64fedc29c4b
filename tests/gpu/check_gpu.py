#!/usr/bin/env python3
"""Checks a published `scat` binary on a GPU machine without .NET: runs `scat extract --device cuda` on every
reference case that has an images/ folder and compares `features` with the case's `S` (numpy only).

Usage: python3 tests/gpu/check_gpu.py PATH/TO/scat [--data tests/Scat.Tests/data] [--keep DIR]

Tolerance (reference/README.md): for every scattering channel k, max|S - S_ref| <= 1e-5 * max|S_ref|.
Prints one line per case; exits 1 if any case fails, 2 if no case could be run.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

TOLERANCE = 1e-5


def worst_relative(features, reference):
    """Worst per-channel relative error; a channel is one k over all images and image channels."""
    if features.shape != reference.shape:
        raise ValueError(f"shape {features.shape} != reference {reference.shape}")
    k = reference.shape[2]
    a = np.moveaxis(features.astype(np.float64), 2, 0).reshape(k, -1)
    r = np.moveaxis(reference.astype(np.float64), 2, 0).reshape(k, -1)
    max_ref = np.abs(r).max(axis=1)
    max_diff = np.abs(a - r).max(axis=1)
    rel = np.where(max_ref > 0, max_diff / np.where(max_ref > 0, max_ref, 1), max_diff)
    worst = int(np.argmax(rel))
    return float(rel[worst]), worst


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scat", help="path of the published scat executable")
    parser.add_argument("--data", default=os.path.join(here, "..", "Scat.Tests", "data"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--keep", help="folder to keep the NPZ files in")
    args = parser.parse_args()

    cases = []
    for folder in ("reference", "reference-extra"):
        root = os.path.join(args.data, folder)
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            case = os.path.join(root, name)
            if os.path.isfile(os.path.join(case, "ref.npz")) and os.path.isdir(os.path.join(case, "images")):
                cases.append((f"{folder}/{name}", case))
    if not cases:
        print(f"no reference case with an images/ folder under {args.data}")
        return 2

    out_dir = args.keep or tempfile.mkdtemp(prefix="scat-gpu-check-")
    os.makedirs(out_dir, exist_ok=True)
    failures = 0
    for name, case in cases:
        ref = np.load(os.path.join(case, "ref.npz"), allow_pickle=False)
        j, l, order = int(ref["J"]), int(ref["L"]), int(ref["order"])
        color = "rgb" if ref["x"].shape[1] == 3 else "gray"
        out = os.path.join(out_dir, name.replace("/", "_") + ".npz")
        cmd = [args.scat, "extract", os.path.join(case, "images"), "-o", out, "-J", str(j), "-L", str(l),
               "--order", str(order), "--color", color, "--device", args.device]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            failures += 1
            msg = (run.stderr.strip() or run.stdout.strip()).splitlines()
            print(f"FAIL {name}: scat exited with {run.returncode}: {msg[-1] if msg else ''}")
            continue
        try:
            got = np.load(out, allow_pickle=False)["features"]
            worst, k = worst_relative(got, ref["S"])
        except Exception as e:  # noqa: BLE001 - one line per case, whatever went wrong
            failures += 1
            print(f"FAIL {name}: {e}")
            continue
        ok = worst <= TOLERANCE
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}: worst relative error {worst:.2e} (channel {k}), J={j} L={l} order={order} {color}")
    print(f"{len(cases) - failures} of {len(cases)} cases within {TOLERANCE:g}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
