#!/usr/bin/env bash
# Feeding rate, side by side: Pillow (scripts/pillow-feed-rate.py, pool of 2 processes) and scat's decode stage
# measured by `scat extract DIR --size N -J 1 -L 1 --order 1 --pool mean` (a transform of almost nothing), whose
# wall time less that of the same command on 10 of the images (the process start) gives images/s.
#
#   scripts/feed-rate.sh DIR SCAT_DLL [SCAT_DLL...]   (DIR: JPEGs, e.g. made by scripts/make-photos.py bench)
#
# Each figure is the best of 3 runs. Extra scat arguments can be given in SCAT_ARGS (e.g. "--decode exact"), the
# sizes in SIZES (default "32 64 128"), scat's threads in THREADS (default 2).
set -eu
dir=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
n=$(find "$dir" -maxdepth 1 -iname '*.jpg' | wc -l)
small=$(mktemp -d); out=$(mktemp -d)
trap 'rm -rf "$small" "$out"' EXIT
find "$dir" -maxdepth 1 -iname '*.jpg' | sort | head -10 | xargs -I{} cp {} "$small/"

best_time() { # best wall seconds of 3 runs of "$@"
    local best=999999 t
    for _ in 1 2 3; do
        local s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
        local e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        best=$(echo "if ($t < $best) $t else $best" | bc -l)
    done
    echo "$best"
}

echo "$n images in $dir; $(date -u '+%F %H:%M UTC'); $(nproc) CPUs"
sizes=${SIZES:-32 64 128}
for size in $sizes; do
    "$python" "$here/pillow-feed-rate.py" "$dir" --size $size --processes 2
    if [ "$size" -ge 128 ]; then "$python" "$here/pillow-feed-rate.py" "$dir" --size $size --processes 2 --no-draft; fi
done
for dll in "$@"; do
    for size in $sizes; do
        args=(--size $size -J 1 -L 1 --order 1 --pool mean --threads "$threads" -q ${SCAT_ARGS:-})
        all=$(best_time dotnet "$dll" extract "$dir" "${args[@]}" -o "$out/all.npy")
        ten=$(best_time dotnet "$dll" extract "$small" "${args[@]}" -o "$out/ten.npy")
        rate=$(echo "($n - 10) / ($all - $ten)" | bc -l)
        printf 'scat %s --size %s %s: %.2f s (10 images: %.2f s): %.0f images/s (best of 3)\n' \
            "$dll" $size "${SCAT_ARGS:-}" "$all" "$ten" "$rate"
    done
done
