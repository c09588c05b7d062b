#!/usr/bin/env bash
# The viewer's benchmark: replay speed (events/s) and peak memory on a dump of at least
# 50 million events (64 threads with 1M-entry rings), summary on the same dump, and, on a
# smaller CTF trace, hakmem-trace replay against `babeltrace2 TRACE > /dev/null`.
#   viewer/bench.sh [threads] [ops]      (run from the source tree after make)
# Writes its traces under $BENCH_DIR (default build/bench-viewer); they are large (2.5 GB).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
VIEW=$B/bin/hakmem-trace
GEN=$B/tests/viewer/gen_trace
D=${BENCH_DIR:-$B/bench-viewer}
threads=${1:-64}
ops=${2:-13000000}
[ -x "$VIEW" ] && [ -x "$GEN" ] || { echo "bench.sh: run make first" >&2; exit 1; }
mkdir -p "$D"

# One table row: the best of three runs (the machine may be shared), from /usr/bin/time -v.
measure() { # label events command...
    local label=$1 events=$2; shift 2
    local best="" bcpu="" brss=""
    for _ in 1 2 3; do
        /usr/bin/time -v "$@" >/dev/null 2>"$D/time.txt" || [ $? -eq 3 ]
        local wall cpu rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$D/time.txt")
        cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$D/time.txt")
        rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$D/time.txt")
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall bcpu=$cpu brss=$rss; fi
    done
    awk -v l="$label" -v e="$events" -v w="$best" -v c="$bcpu" -v r="$brss" \
        'BEGIN { printf "| %-36s | %11d | %7.2f | %7.2f | %9.1f M/s | %9.1f M/s | %8.1f MiB |\n", l, e, w, c,
                 (w > 0 ? e / w / 1e6 : 0), (c > 0 ? e / c / 1e6 : 0), r / 1024 }'
}

dump=$D/big.htrace
if [ ! -s "$dump" ]; then
    echo "generating $threads threads x $ops operations into $dump ..."
    "$GEN" -o "$dump" --threads "$threads" --ops "$ops" --live 200000 --ring 1048576 --seed 9 >"$D/big.truth"
fi
events=$("$VIEW" summary --json "$dump" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
ctf=$D/ctf
if [ ! -s "$ctf/metadata" ]; then
    "$GEN" -o "$D/ctf.htrace" --ctf "$ctf" --cpus 2 --threads 8 --ops 500000 --live 20000 --seed 9 >/dev/null
fi
cevents=$("$VIEW" summary --json "$ctf" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')

echo
echo "| what                                 |      events |    wall |     cpu |   rate (wall) |    rate (cpu) |     peak RSS |"
echo "|--------------------------------------|-------------|---------|---------|---------------|---------------|--------------|"
measure "replay, .htrace, $threads rings" "$events" "$VIEW" replay "$dump"
measure "summary, .htrace" "$events" "$VIEW" summary "$dump"
measure "replay, CTF (libbabeltrace2)" "$cevents" "$VIEW" replay "$ctf"
measure "replay, .htrace of the same run" "$cevents" "$VIEW" replay "$D/ctf.htrace"
if command -v babeltrace2 >/dev/null; then
    measure "babeltrace2 TRACE > /dev/null" "$cevents" babeltrace2 "$ctf"
fi
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); dump: $(du -h "$dump" | cut -f1)"
