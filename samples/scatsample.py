"""Shared by the sample scripts: run scat, read raw pixels, score a logistic regression on few labelled images.

Needs numpy and scikit-learn (Debian: apt-get install -y python3-sklearn; run with /usr/bin/python3).
The scat command is $SCAT if set (e.g. SCAT="dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll"), else `scat`.
"""
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def fail(message):
    """One line on stderr and exit code 1, instead of a traceback."""
    print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
    sys.exit(1)


try:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
except ImportError as e:
    fail(f"{e.name} is missing: the samples need numpy and scikit-learn "
         "(Debian: apt-get install -y python3-sklearn, then run with /usr/bin/python3)")


def scat_command():
    """The scat command line: $SCAT if set, else `scat` on PATH; one line of help when neither is found."""
    command = shlex.split(os.environ.get("SCAT", "scat"))
    if not command or shutil.which(command[0]) is None:
        where = "$SCAT names " + repr(command[0] if command else "") if os.environ.get("SCAT") else "scat is not on PATH"
        fail(f"{where}: install scat (bash scripts/install.sh && export PATH=\"$PATH:$HOME/.dotnet/tools\") "
             "or set SCAT, e.g. SCAT=\"dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll\"")
    return command


def scat_features(folder, args):
    """Runs `scat extract folder args -o tmp.npz`; returns (features as N x D, labels, classes, paths)."""
    command = scat_command()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "features.npz")
        full = command + ["extract", folder, "-q", "-o", out] + args
        print("$", " ".join(shlex.quote(a) for a in full), file=sys.stderr)
        run = subprocess.run(full)
        if run.returncode != 0:
            sys.exit(run.returncode)  # scat has said why, in one line
        z = np.load(out, allow_pickle=False)
        print("features", z["features"].shape, file=sys.stderr)
        return (z["features"].reshape(len(z["labels"]), -1).astype(np.float64), z["labels"], list(z["classes"]),
                list(z["paths"]))


def png_gray(path):
    """Pixels of an 8-bit grayscale, non-interlaced PNG (what the samples hold), as float in [0, 1]."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color == 0 and interlace == 0, f"{path}: not 8-bit gray non-interlaced"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows, prev, stride = [], bytearray(width), width + 1
    for y in range(height):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for x in range(width):
            a = line[x - 1] if x else 0
            b, c = prev[x], (prev[x - 1] if x else 0)
            if kind == 1: line[x] = (line[x] + a) & 255
            elif kind == 2: line[x] = (line[x] + b) & 255
            elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width) / 255.0


def pixels(folder, paths):
    return np.stack([png_gray(os.path.join(folder, p)).ravel() for p in paths])


def accuracy(X, y, train_size, splits=10):
    """Mean and std of the test accuracy over random stratified splits: standardised features, logistic regression."""
    scores = []
    for seed in range(splits):
        Xtr, Xte, ytr, yte = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
        scaler = StandardScaler().fit(Xtr)
        model = LogisticRegression(max_iter=5000).fit(scaler.transform(Xtr), ytr)
        scores.append(model.score(scaler.transform(Xte), yte))
    return float(np.mean(scores)), float(np.std(scores))


def compare(folder, scat_args, train_size):
    X, y, classes, paths = scat_features(folder, scat_args)
    P = pixels(folder, paths)
    s = accuracy(X, y, train_size)
    p = accuracy(P, y, train_size)
    print(f"{os.path.basename(os.path.normpath(folder))}: {len(y)} images, {len(classes)} classes, "
          f"{train_size} for training, 10 random splits")
    print(f"  scattering ({X.shape[1]} features, scat extract {' '.join(scat_args)}): accuracy {s[0]:.3f} ± {s[1]:.3f}")
    print(f"  raw pixels ({P.shape[1]} features): accuracy {p[0]:.3f} ± {p[1]:.3f}")
    return s, p


def write_png_gray(path, pixels8):
    """Writes an 8-bit grayscale PNG (no filter, zlib) of a 2D uint8 array."""
    h, w = pixels8.shape
    raw = b"".join(b"\x00" + pixels8[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def rotated_copy(folder, paths, turns, target):
    """Writes every image of `paths` under `target` (same relative paths), rotated by np.rot90 turns[i] times."""
    for p, k in zip(paths, turns):
        out = os.path.join(target, p)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        write_png_gray(out, np.ascontiguousarray(np.rot90(np.round(png_gray(os.path.join(folder, p)) * 255).astype(np.uint8), k)))


def rotation_protocol(folder, runs, train_size, splits=10, seed=0):
    """Train on upright images, test on images rotated by random multiples of 90° (the same rotations and splits
    for every run). For each run (label, scat args) prints the accuracy on upright and on rotated test images,
    and the mean relative distance ||f(x) − f(rot90 x)|| / ||f(x)|| between the features of each image and of
    its quarter turn. Returns {label: (upright, rotated, distance)}."""
    _, y, _, paths = scat_features(folder, runs[0][1])
    turns = np.random.default_rng(seed).integers(1, 4, size=len(paths))  # 1, 2 or 3 quarter turns
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        rotated, quarter = os.path.join(tmp, "rotated"), os.path.join(tmp, "quarter")
        rotated_copy(folder, paths, turns, rotated)
        rotated_copy(folder, paths, np.ones(len(paths), dtype=int), quarter)
        for label, args in runs:
            X, y, _, p = scat_features(folder, args)
            R, yr, _, pr = scat_features(rotated, args)
            Q, _, _, pq = scat_features(quarter, args)
            assert p == pr == pq and (y == yr).all()
            upright, turned = [], []
            for s in range(splits):
                train, test = train_test_split(np.arange(len(y)), train_size=train_size, stratify=y, random_state=s)
                scaler = StandardScaler().fit(X[train])
                model = LogisticRegression(max_iter=5000).fit(scaler.transform(X[train]), y[train])
                upright.append(model.score(scaler.transform(X[test]), y[test]))
                turned.append(model.score(scaler.transform(R[test]), y[test]))
            distance = float(np.mean(np.linalg.norm(X - Q, axis=1) / np.linalg.norm(X, axis=1)))
            results[label] = (float(np.mean(upright)), float(np.mean(turned)), distance)
            print(f"  {label} ({X.shape[1]} features, scat extract {' '.join(args)}): upright test {np.mean(upright):.3f} ± "
                  f"{np.std(upright):.3f}, rotated test {np.mean(turned):.3f} ± {np.std(turned):.3f}; "
                  f"||f(x) - f(rot90 x)|| / ||f(x)|| = {distance:.4f}")
    return results
