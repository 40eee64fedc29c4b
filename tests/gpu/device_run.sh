#!/usr/bin/env bash
# On a lent GPU machine (no .NET there), after scripts/publish-for-device.sh here and with `publish` carried:
#   bash tests/gpu/device_run.sh
# Checks the reference cases on CUDA, then times the paper's grid with scat and with Kymatio's torch backend
# (when KYMATIO points at a folder holding kymatio/). Writes everything to $OUT (or ./gpu-out).
set -uo pipefail
out=${OUT:-gpu-out}; mkdir -p "$out"
scat=publish/scat
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
python3 tests/gpu/check_gpu.py "$scat" 2>&1 | tee "$out/check.txt"
"$scat" bench --device cuda --json --repeat 10 2>&1 | tee "$out/bench-cuda.jsonl"
"$scat" bench --device cpu --size 32 --json --repeat 3 2>&1 | tee "$out/bench-cpu.jsonl"
# KYMATIO_TIME: a copy of the shared kymatio_time.py script carried along with Kymatio's source.
if [ -n "${KYMATIO:-}" ] && [ -n "${KYMATIO_TIME:-}" ]; then
  for s in 32 128 256; do
    echo "kymatio cuda $s: $(python3 "$KYMATIO_TIME" cuda $s 128 10)" | tee -a "$out/kymatio.txt"
  done
fi
