#!/usr/bin/env bash
# Side-by-side CPU timing of scat and Kymatio (numpy and torch backends) on the paper's batches, on this machine,
# in one run. Needs Debian's python3-numpy, python3-scipy and python3-torch (run by /usr/bin/python3), Kymatio's
# source in $KYMATIO (a folder holding kymatio/), and the timing script in $KYMATIO_TIME (kymatio_time.py).
# Usage: scripts/bench-vs-kymatio.sh [SIZES...]   (default 32 128 256). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-32 128 256}
scat=${SCAT:-"dotnet src/Scat.Cli/bin/Release/net10.0/scat.dll"}
: "${KYMATIO:?set KYMATIO to a folder holding kymatio/}" "${KYMATIO_TIME:?set KYMATIO_TIME to kymatio_time.py}"
export KYMATIO
echo "| size | scat cpu (s) | Kymatio numpy (s) | Kymatio torch cpu (s) | numpy / scat | torch / scat |"
echo "| --- | --- | --- | --- | --- | --- |"
for s in $sizes; do
  reps=3; [ "$s" -ge 256 ] && reps=1
  scat_s=$($scat bench --device cpu --size "$s" --batch-size 128 --repeat 5 --json | sed -n 's/.*"median_s":\([0-9.]*\).*/\1/p')
  np_s=$(/usr/bin/python3 "$KYMATIO_TIME" numpy "$s" 128 "$reps")
  th_s=$(/usr/bin/python3 "$KYMATIO_TIME" torch "$s" 128 "$reps")
  awk -v s="$s" -v a="$scat_s" -v n="$np_s" -v t="$th_s" \
    'BEGIN { printf "| %dx%d | %.3f | %.2f | %.2f | %.1fx | %.1fx |\n", s, s, a, n, t, n / a, t / a }'
done
