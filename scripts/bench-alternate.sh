#!/usr/bin/env bash
# Two or more builds of scat timed side by side, alternated round by round, on one size (`scat bench --device cpu`).
# Usage: scripts/bench-alternate.sh ROUNDS "SIZE BENCH-OPTIONS" NAME=DLL [NAME=DLL ...]
#   e.g. scripts/bench-alternate.sh 4 "32 --repeat 20 --warmup 3" old=/tmp/old/src/Scat.Cli/bin/Release/net10.0/scat.dll \
#        new=src/Scat.Cli/bin/Release/net10.0/scat.dll
# Prints one line per round and build: median and minimum seconds per batch, and the load when it ran.
# An older build: git worktree add /tmp/old COMMIT && (cd /tmp/old && dotnet build src/Scat.Cli -c Release).
set -euo pipefail
rounds=$1; read -r size options <<<"$2"; shift 2
for round in $(seq 1 "$rounds"); do
  for build in "$@"; do
    name=${build%%=*}; dll=${build#*=}
    # shellcheck disable=SC2086
    r=$(dotnet "$dll" bench --device cpu --size "$size" $options --json | sed -n 's/.*"median_s":\([0-9.]*\),"min_s":\([0-9.]*\).*/median \1 min \2/p')
    echo "round $round $name ${size}² $r load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
