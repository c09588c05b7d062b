#!/usr/bin/env bash
# The cost of each integrity level on bench_random_mixed, side by side with the tools it
# competes with, in alternating rounds (medians; this machine is noisy):
#   hakmem-rtN        libhakmem.so at HAKMEM_INTEGRITY_LEVEL=N (3 and 4 record rings;
#                     4 also keeps stacks and a quarantine)
#   hakmem-lN         libhakmem-lN.so, the level fixed at compile time
#   hakmem-rt2-rings  level 2 with HAKMEM_TRACE=1: the cost of the rings alone
#   hakmem-rt2-rings1k  the same with 1024-event rings, which stay in the caches (only when
#                     CONFIGS names it: how much of the rings' cost is their memory)
#   glibc             no preload
#   glibc-asan        the same benchmark compiled with -fsanitize=address (ASan's own
#                     allocator with its default quarantine)
#   memcheck          glibc under valgrind --tool=memcheck (fewer iterations)
# Prints a markdown table: median Mops/s, and the ratios to level 0 and to glibc, each the
# median of the ratios within a round (the load of a shared machine drifts between
# rounds more than between two runs of one round).
# Settings: ROUNDS (5), ITERS (4000000), MEMCHECK_ITERS (300000), BUILD (build),
# CONFIGS (the configurations to run, by the names above; hakmem-rt0 and glibc are always
# run, for the ratios).
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-$REPO/build}
ROUNDS=${ROUNDS:-5}
ITERS=${ITERS:-4000000}
MEMCHECK_ITERS=${MEMCHECK_ITERS:-300000}
bin=$BUILD/bench/bench_random_mixed
asan_bin=$BUILD/bench/bench_random_mixed.asan
lib=$BUILD/lib/libhakmem.so
[ -x "$bin" ] && [ -e "$lib" ] || { echo "build first: make all bench-bins" >&2; exit 1; }
if [ ! -x "$asan_bin" ] || [ "$asan_bin" -ot "$REPO/bench/bench_random_mixed.c" ]; then
    ${CC:-gcc} -std=gnu11 -O2 -g -fsanitize=address -D_GNU_SOURCE "$REPO/bench/bench_random_mixed.c" -o "$asan_bin" -lm
fi

configs=(hakmem-rt0 hakmem-rt1 hakmem-l1 hakmem-rt2 hakmem-l2 hakmem-rt2-rings hakmem-rt3 hakmem-rt4 glibc glibc-asan)
command -v valgrind >/dev/null && configs+=(memcheck)
[ -n "${CONFIGS:-}" ] && read -r -a configs <<<"$CONFIGS"
for need in glibc hakmem-rt0; do [[ " ${configs[*]} " == *" $need "* ]] || configs=("$need" "${configs[@]}"); done

run() { # config -> ops/s
    local c=$1 out
    case $c in
    hakmem-rt2-rings) out=$(HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_TRACE=1 LD_PRELOAD=$lib "$bin" "$ITERS" 8192 42) ;;
    hakmem-rt2-rings1k) out=$(HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_TRACE=1 HAKMEM_TRACE_RING=1024 LD_PRELOAD=$lib "$bin" "$ITERS" 8192 42) ;;
    hakmem-rt*) out=$(HAKMEM_INTEGRITY_LEVEL=${c#hakmem-rt} LD_PRELOAD=$lib "$bin" "$ITERS" 8192 42) ;;
    hakmem-l*) out=$(LD_PRELOAD=$BUILD/lib/libhakmem-${c#hakmem-}.so "$bin" "$ITERS" 8192 42) ;;
    glibc) out=$("$bin" "$ITERS" 8192 42) ;;
    glibc-asan) out=$(ASAN_OPTIONS=detect_leaks=0 "$asan_bin" "$ITERS" 8192 42) ;;
    memcheck) out=$(valgrind -q --tool=memcheck "$bin" "$MEMCHECK_ITERS" 8192 42 2>/dev/null) ;;
    esac
    sed -n 's/.*ops_per_sec=\([0-9.]*\).*/\1/p' <<<"$out"
}

declare -A results
for ((r = 1; r <= ROUNDS; r++)); do
    line="[round $r/$ROUNDS]"
    for c in "${configs[@]}"; do
        v=$(run "$c")
        results[$c]+="$v "
        line+=" $c=$(awk -v v="$v" 'BEGIN { printf "%.2f", v / 1e6 }')"
    done
    echo "$line" >&2
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratios A B: the per-round ratios a_i / b_i of two lists of values
ratios() { paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) | awk '{ print $1 / $2 }' | tr '\n' ' '; }
echo "| configuration | Mops/s (median of $ROUNDS) | vs level 0 | vs glibc |"
echo "|---|--:|--:|--:|"
for c in "${configs[@]}"; do
    m=$(median "${results[$c]}")
    b=$(median "$(ratios "${results[hakmem-rt0]}" "${results[$c]}")")
    g=$(median "$(ratios "${results[$c]}" "${results[glibc]}")")
    [ "$c" = memcheck ] && b=$(awk -v b="$(median "${results[hakmem-rt0]}")" -v m="$m" 'BEGIN { print b / m }') &&
        g=$(awk -v g="$(median "${results[glibc]}")" -v m="$m" 'BEGIN { print m / g }')
    awk -v c="$c" -v m="$m" -v b="$b" -v g="$g" 'BEGIN { printf "| %s | %.2f | %.2fx | %.2fx |\n", c, m / 1e6, b, g }'
done
echo
echo "\`bench_random_mixed $ITERS 8192 42\` (memcheck: $MEMCHECK_ITERS iterations); \"vs level 0\" is how many"
echo "times slower than level 0, \"vs glibc\" how many times faster than glibc: medians of the ratios"
echo "within each round (memcheck, run with fewer iterations: the ratio of the medians)."
