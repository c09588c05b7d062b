#!/usr/bin/env bash
# The cost of each integrity level on bench_random_mixed, side by side with the tools it
# competes with, in alternating rounds (medians; this machine is noisy):
#   hakmem-rtN        libhakmem.so at HAKMEM_INTEGRITY_LEVEL=N (3 and 4 record rings;
#                     4 also keeps stacks and a quarantine)
#   hakmem-rt2-rings  level 2 with HAKMEM_TRACE=1: the cost of the rings alone
#   glibc             no preload
#   glibc-asan        the same benchmark compiled with -fsanitize=address (ASan's own
#                     allocator with its default quarantine)
#   memcheck          glibc under valgrind --tool=memcheck (fewer iterations)
# Prints a markdown table: median Mops/s, ratio to level 0 and to glibc.
# Settings: ROUNDS (5), ITERS (4000000), MEMCHECK_ITERS (300000), BUILD (build).
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

configs=(hakmem-rt0 hakmem-rt1 hakmem-rt2 hakmem-rt2-rings hakmem-rt3 hakmem-rt4 glibc glibc-asan)
command -v valgrind >/dev/null && configs+=(memcheck)

run() { # config -> ops/s
    local c=$1 out
    case $c in
    hakmem-rt2-rings) out=$(HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_TRACE=1 LD_PRELOAD=$lib "$bin" "$ITERS" 8192 42) ;;
    hakmem-rt*) out=$(HAKMEM_INTEGRITY_LEVEL=${c#hakmem-rt} LD_PRELOAD=$lib "$bin" "$ITERS" 8192 42) ;;
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
base=$(median "${results[hakmem-rt0]}")
glibc=$(median "${results[glibc]}")
echo "| configuration | Mops/s (median of $ROUNDS) | vs level 0 | vs glibc |"
echo "|---|--:|--:|--:|"
for c in "${configs[@]}"; do
    m=$(median "${results[$c]}")
    awk -v c="$c" -v m="$m" -v b="$base" -v g="$glibc" \
        'BEGIN { printf "| %s | %.2f | %.2fx | %.2fx |\n", c, m / 1e6, b / m, m / g }'
done
echo
echo "\`bench_random_mixed $ITERS 8192 42\` (memcheck: $MEMCHECK_ITERS iterations); \"vs level 0\" is how many times slower than level 0."
