#!/usr/bin/env bash
# Side-by-side CPU timing of scat and Kymatio's numpy backend (and optionally its torch backend) on the paper's
# batches (RGB, J=2, L=8, order 2), on this machine, in one run: for every size, scat with AVX-512 (where the CPU
# has it), scat with DOTNET_EnableAVX512=0 (AVX2), then Kymatio, one after the other. (.NET 10 ignores the older
# DOTNET_EnableAVX512F=0: the script checks the SIMD that scat reports, and stops if it is not the one asked for.)
# Needs Debian's python3-numpy and python3-scipy (run by /usr/bin/python3; python3-torch for the torch column),
# Kymatio's source in $KYMATIO (a folder holding kymatio/), and the timing script in $KYMATIO_TIME
# (kymatio_time.py BACKEND SIZE BATCH [REPS]).
# Usage: scripts/bench-vs-kymatio.sh [SIZE:BATCH ...]
#   default: 32:128 128:128 256:128 512:16 1024:4 (issue 20's sizes). TORCH=1 adds Kymatio torch (2 threads).
# Prints a markdown table (seconds per batch: scat's median of its runs, Kymatio's median) and the lead at 512²
# relative to the lead at 128², and, first, the date, the machine and the load.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${*:-32:128 128:128 256:128 512:16 1024:4}
scat=${SCAT:-"dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll"}
: "${KYMATIO:?set KYMATIO to a folder holding kymatio/}" "${KYMATIO_TIME:?set KYMATIO_TIME to kymatio_time.py}"
export KYMATIO

scat_time() { # SIZE BATCH SIMD [ENV=VALUE ...]: scat's median seconds per batch, run with the SIMD named
  local size=$1 batch=$2 simd=$3 repeat=5 json got
  shift 3
  [ "$size" -ge 512 ] && repeat=3
  json=$(env "$@" $scat bench --device cpu --size "$size" --batch-size "$batch" --repeat "$repeat" --json)
  got=$(sed -n 's/.*"simd":"\([^"]*\)".*/\1/p' <<<"$json")
  if [ "$got" != "$simd" ]; then echo "bench-vs-kymatio: scat ran with ${got:-no SIMD reported}, not $simd ($*)" >&2; exit 1; fi
  sed -n 's/.*"median_s":\([0-9.]*\).*/\1/p' <<<"$json"
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
  "$(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || echo 'no AVX-512'); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
widest=AVX2; grep -qw avx512f /proc/cpuinfo && widest=AVX-512
echo
header="| size | batch | scat AVX-512 (s) | scat AVX2 (s) | Kymatio numpy (s) | lead AVX-512 | lead AVX2 |"
rule="| --- | --- | --- | --- | --- | --- | --- |"
[ "${TORCH:-0}" = 1 ] && header="$header Kymatio torch (s) |" && rule="$rule --- |"
echo "$header"; echo "$rule"
declare -A lead
for c in $cases; do
  s=${c%%:*}; b=${c##*:}
  reps=3; [ "$s" -ge 256 ] && reps=1
  wide=$(scat_time "$s" "$b" "$widest")
  avx2=$(scat_time "$s" "$b" AVX2 DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0)
  np_s=$(/usr/bin/python3 "$KYMATIO_TIME" numpy "$s" "$b" "$reps")
  row=$(awk -v s="$s" -v b="$b" -v a="$wide" -v v="$avx2" -v n="$np_s" \
    'BEGIN { printf "| %dx%d | %d | %.3f | %.3f | %.2f | %.1fx | %.1fx |", s, s, b, a, v, n, n / a, n / v }')
  if [ "${TORCH:-0}" = 1 ]; then row="$row $(/usr/bin/python3 "$KYMATIO_TIME" torch "$s" "$b" "$reps") |"; fi
  echo "$row"
  lead[$s]=$(awk -v a="$wide" -v v="$avx2" -v n="$np_s" 'BEGIN { printf "%.4f %.4f", n / a, n / v }')
done
if [ -n "${lead[128]:-}" ] && [ -n "${lead[512]:-}" ]; then
  read -r l128 l128v <<<"${lead[128]}"; read -r l512 l512v <<<"${lead[512]}"
  awk -v a="$l512" -v b="$l128" -v c="$l512v" -v d="$l128v" \
    'BEGIN { printf "\nlead at 512 / lead at 128: %.2f (AVX-512), %.2f (AVX2)\n", a / b, c / d }'
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
