#!/usr/bin/env bash
# Images at their own sizes against images of one size (issue 21): 240 photos of 240 different sizes (heights 240-400,
# widths 300-520, crops of one photo) against 240 photos of height 320, width 416 (about the same mean area), each
# extracted natively with --pool mean -J 3 --color gray, runs alternated, wall time and peak memory (/usr/bin/time -v).
# Usage: scripts/bench-native-sizes.sh [ROUNDS] [COUNT] (default 2 rounds of all 240 photos of each kind; COUNT: --limit,
# the first COUNT of each); SCAT (default: dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll). Reports wall and CPU time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-2}
limit=${2:-240}
scat=${SCAT:-dotnet $here/src/Scat.Cli/bin/Release/net10.0/scat.dll}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$here/tests/Scat.Tests/data/photos/astronaut-2-640x480-q95.jpg
mkdir -p "$work/mixed" "$work/one"
# 240 distinct (height, width) pairs, fixed by a seed; crops written by Pillow (Debian's python3-pil) at quality 90.
/usr/bin/python3 - "$work" "$src" <<'PY'
import random, sys
from PIL import Image
work, src = sys.argv[1], sys.argv[2]
photo = Image.open(src).convert("RGB")
pw, ph = photo.size
rng = random.Random(21)
sizes = set()
while len(sizes) < 240:
    sizes.add((rng.randint(240, 400), rng.randint(300, 520)))
for i, (h, w) in enumerate(sorted(sizes)):
    photo.crop(((pw - w) // 2, (ph - h) // 2, (pw - w) // 2 + w, (ph - h) // 2 + h)).save(f"{work}/mixed/{i:03d}.jpg", quality=90)
for i in range(240):
    x, y = (i * 7) % (pw - 416), (i * 3) % (ph - 320)
    photo.crop((x, y, x + 416, y + 320)).save(f"{work}/one/{i:03d}.jpg", quality=90)
print(f"pixels: mixed {sum(h * w for h, w in sizes)} (240 sizes), one {240 * 320 * 416} (height 320, width 416)")
PY
echo "load: $(uptime)"
for r in $(seq 1 "$rounds"); do
  for kind in mixed one; do
    /usr/bin/time -v $scat extract "$work/$kind" -o "$work/$kind.npy" --pool mean -J 3 --color gray --device cpu -q --limit "$limit" 2> "$work/time.txt"
    wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$work/time.txt" | awk '{print $NF}')
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
    echo "round $r $kind ($limit photos): wall $wall, CPU $cpu s, peak RSS $((rss / 1024)) MB, load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
