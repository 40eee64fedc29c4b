#!/usr/bin/env bash
# Alternates `scat bench --json` between two builds, round after round, and prints per size the median over rounds
# of each build's median_s and the median of the per-round ratios new/old, with the load average seen.
# Usage: scripts/bench-alternate.sh OLD_SCAT NEW_SCAT [ROUNDS] [-- bench options]   (default: 8 rounds,
# --device cpu --size 32,128 --repeat 3). Build the old one in a scratch worktree: git worktree add /tmp/base HEAD.
set -euo pipefail
old=$1 new=$2; shift 2
rounds=8
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds=$1; shift; fi
[ "${1:-}" = "--" ] && shift
args=("$@"); [ ${#args[@]} -eq 0 ] && args=(--device cpu --size 32,128 --repeat 3)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for i in $(seq 1 "$rounds"); do
  for which in old new; do
    exe=$old; [ $which = new ] && exe=$new
    load=$(cut -d' ' -f1 /proc/loadavg)
    "$exe" bench "${args[@]}" --json 2>/dev/null | sed "s/^/$i $which $load /" >> "$log"
  done
done
python3 - "$log" <<'PY'
import json, statistics as st, sys
runs, loads = {}, []
for line in open(sys.argv[1]):
    rnd, which, load, text = line.split(' ', 3)
    loads.append(float(load))
    r = json.loads(text)
    runs.setdefault((r['height'], r['width']), {}).setdefault(which, []).append(r['median_s'])
for (h, w), by in sorted(runs.items()):
    old, new = by['old'], by['new']
    ratios = [n / o for o, n in zip(old, new)]
    print(f"{h}x{w}: {len(old)} rounds; median s per batch old {st.median(old):.4f}, new {st.median(new):.4f}; "
          f"new/old {st.median(new) / st.median(old):.4f}, median of per-round ratios {st.median(ratios):.4f}")
print(f"load average (1 min) {min(loads):.1f} to {max(loads):.1f}")
PY
