#!/usr/bin/env bash
# Counts the instructions each allocator executes per operation, with valgrind's callgrind.
# Instruction counts do not depend on the machine's load, so unlike compare.sh one run
# per allocator is enough and differences of a few percent are real.
#
# Usage (from the repo root, or anywhere):  bash bench/callgrind.sh
# Environment:
#   ITERS=1000000   N, the iterations of the smaller run (the larger one does 2N)
#   BENCHES="..."   subset of: random_mixed fixed_64 fixed_64_batch realloc_aligned
#                   (default: random_mixed fixed_64 fixed_64_batch)
#   ALLOCS="..."    allocators, as for compare.sh (names in bench/common.sh)
#   HAKMEM_BENCH_LEVELS, BUILD, RESULTS: as for compare.sh
#   CACHESIM=1      also simulate the caches (callgrind --cache-sim=yes) and give the data
#                   misses per op in the first level (D1) and the last (LL), the memory
#                   side of an allocator's cost, which no load moves either
#   LL=2097152,16,64  the simulated last level: size,ways,line (default: 2 MiB, 16 ways,
#                   like this machine's L2 per core, which is what a thread has to itself)
# Writes RESULTS/callgrind-STAMP.tsv and RESULTS/callgrind-STAMP.md (printed on stdout).
#
# How a clean per-operation count is obtained: each bench runs twice under callgrind,
# with N and with 2N iterations, and
#     Ir/op = (Ir(2N) - Ir(N)) / (ops(2N) - ops(N)).
# Everything both runs do alike cancels out: dynamic loading, the allocator's and libc's
# initialisation, the untimed set-up and clean-up of the bench, exit. What is left is N
# iterations of the loop in its steady state (the working set filled, the allocator's
# caches warm), which is what the throughput benches measure too. --toggle-collect on the
# loop function would instead count the loop's warm-up (first touches, refills from an
# empty heap) together with the steady state, and depend on symbol names in the binary.
# The Ir/op column is loop plus allocator; the loop's own share (random numbers, slot
# bookkeeping, the bytes written: the self cost of the bench program's functions, taken
# from callgrind_annotate the same way, as a difference) is the same for every allocator
# and is subtracted in the "allocator Ir/op" column, which counts the allocator's
# instructions including the call and PLT overhead.
set -u
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ITERS=${ITERS:-1000000}
BENCHES=${BENCHES:-random_mixed fixed_64 fixed_64_batch}
RESULTS=${RESULTS:-$BUILD/bench-results}
CACHESIM=${CACHESIM:-0}
LL=${LL:-2097152,16,64}
CACHE_OPTS=()
[ "$CACHESIM" = 1 ] && CACHE_OPTS=(--cache-sim=yes "--LL=$LL")

# name | program | arguments (@N@ = iterations); single-threaded benches only
CASES=(
    "random_mixed|bench_random_mixed|@N@ 8192 42 16 1040"
    "fixed_64|bench_fixed_size|@N@ 64 8192 42 random"
    "fixed_64_batch|bench_fixed_size|@N@ 64 1000 42 batch"
    "realloc_aligned|bench_realloc_aligned|@N@ 42 2048"
)

# run_callgrind ALLOC BENCH ITERATIONS: prints "total_Ir bench_self_Ir ops D1_misses
# LL_data_misses" (the misses 0 without CACHESIM), or fails.
run_callgrind() {
    local alloc=$1 bench=$2 n=$3 c name prog args out line total self
    for c in "${CASES[@]}"; do
        IFS='|' read -r name prog args <<<"$c"
        [ "$name" = "$bench" ] && break
    done
    args=${args//@N@/$n}
    # shellcheck disable=SC2086  # the arguments are words
    out=$(with_alloc "$alloc" valgrind --tool=callgrind "${CACHE_OPTS[@]}" --callgrind-out-file="$TMP/cg.out" \
        --log-file="$TMP/cg.log" "$BUILD/bench/$prog" $args 2>"$TMP/err") || return 1
    line=$(grep -m1 '^bench_' <<<"$out") || return 1
    # Collected: Ir, or with the caches Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
    total=$(awk '/Collected :/ { print $4 }' "$TMP/cg.log")
    misses=$(awk '/Collected :/ { if (NF >= 12) print $8 + $9, $11 + $12; else print 0, 0 }' "$TMP/cg.log")
    [ -n "$total" ] || return 1
    self=-
    if [ "$HAVE_ANNOTATE" = 1 ]; then
        # Self cost of every function whose source is one of the bench's own files.
        self=$(callgrind_annotate --inclusive=no --threshold=100 --auto=no "$TMP/cg.out" 2>/dev/null |
            awk '/^ *[0-9,]+ +\( *[0-9.]+%\) +[^= ]/ && /(^|[\/ ])bench\/[^\/: ]+\.[ch]:/ {
                     gsub(",", "", $1); s += $1 } END { print s + 0 }')
    fi
    echo "$total $self $(awk -v l="$line" 'BEGIN { match(l, /ops=[0-9]+/); print substr(l, RSTART + 4, RLENGTH - 4) }') $misses"
}

# measure ALLOC BENCH: appends "alloc bench ir_per_op alloc_ir_per_op d1_per_op ll_per_op"
# to the tsv (the misses empty without CACHESIM).
measure() {
    local alloc=$1 bench=$2 r1 r2
    if ! r1=$(run_callgrind "$alloc" "$bench" "$ITERS") ||
        ! r2=$(run_callgrind "$alloc" "$bench" $((2 * ITERS))); then
        note "$bench under $alloc: the callgrind run failed: $(tail -n 3 "$TMP/err" "$TMP/cg.log" 2>/dev/null | tr '\n' ' ')"
        printf '%s\t%s\t\t\t\t\n' "$alloc" "$bench" >>"$TSV"
        FAILED=1
        return
    fi
    awk -v a="$alloc" -v b="$bench" -v r1="$r1" -v r2="$r2" -v sim="$CACHESIM" 'BEGIN {
        split(r1, x, " "); split(r2, y, " ")
        ops = y[3] - x[3]
        per = (y[1] - x[1]) / ops
        alloc = (x[2] == "-") ? "" : sprintf("%.1f", per - (y[2] - x[2]) / ops)
        d1 = (sim == 1) ? sprintf("%.2f", (y[4] - x[4]) / ops) : ""
        ll = (sim == 1) ? sprintf("%.2f", (y[5] - x[5]) / ops) : ""
        printf "%s\t%s\t%.1f\t%s\t%s\t%s\n", a, b, per, alloc, d1, ll
    }' >>"$TSV"
    printf ' %s=%s' "$alloc" "$(tail -n 1 "$TSV" | cut -f3)" >&2
}

markdown() {
    echo "## Instructions per operation (callgrind, N=$ITERS and 2N iterations)"
    echo
    echo "Allocators:"
    local a
    for a in "${AVAIL[@]}"; do echo "- $a: ${AVAIL_DESC[$a]}"; done
    echo
    if [ "$CACHESIM" = 1 ]; then
        echo "| allocator | bench | Ir/op | vs mimalloc | allocator Ir/op | vs mimalloc | D1 misses/op | LL data misses/op |"
        echo "|---|---|--:|--:|--:|--:|--:|--:|"
    else
        echo "| allocator | bench | Ir/op | vs mimalloc | allocator Ir/op | vs mimalloc |"
        echo "|---|---|--:|--:|--:|--:|"
    fi
    awk -F'\t' -v benches="$BENCHES" -v allocs="${AVAIL[*]}" -v sim="$CACHESIM" '
        NR > 1 { per[$1, $2] = $3; al[$1, $2] = $4; d1[$1, $2] = $5; ll[$1, $2] = $6 }
        function x(v, ref) { return (v != "" && ref != "" && ref > 0) ? sprintf("%.2fx", v / ref) : "-" }
        END {
            nb = split(benches, B, " "); na = split(allocs, A, " ")
            for (i = 1; i <= nb; i++)
                for (j = 1; j <= na; j++) {
                    b = B[i]; a = A[j]
                    if (per[a, b] == "") { printf "| %s | %s | failed | | | |%s\n", a, b, (sim == 1 ? " | |" : ""); continue }
                    printf "| %s | %s | %s | %s | %s | %s |", a, b, per[a, b],
                           x(per[a, b], per["mimalloc", b]), (al[a, b] == "" ? "-" : al[a, b]),
                           x(al[a, b], al["mimalloc", b])
                    if (sim == 1) printf " %s | %s |", d1[a, b], ll[a, b]
                    printf "\n"
                }
        }' "$TSV"
    echo
    echo "Ir/op: instructions per allocator call in the steady state, loop included;"
    echo "allocator Ir/op: the same without the bench loop's own instructions (random numbers,"
    echo "slot bookkeeping, the bytes written), which are the same for every allocator."
    [ "$CACHESIM" = 1 ] && echo "D1, LL data misses/op: reads and writes that missed the simulated first-level data cache, and the simulated last level (LL=$LL), loop included."
    if [ ${#NOTES[@]} -gt 0 ]; then
        echo
        echo "Notes:"
        local n
        for n in "${NOTES[@]}"; do echo "- $n"; done
    fi
}

main() {
    if ! command -v valgrind >/dev/null; then
        echo "callgrind.sh: valgrind is not installed (make deps installs it)" >&2
        exit 1
    fi
    HAVE_ANNOTATE=0
    if command -v callgrind_annotate >/dev/null; then
        HAVE_ANNOTATE=1
    else
        note "callgrind_annotate not found: no allocator-only column"
    fi
    local b c known=()
    for c in "${CASES[@]}"; do known+=("${c%%|*}"); done
    for b in $BENCHES; do
        in_list "$b" "${known[*]}" || { echo "callgrind.sh: unknown bench $b (known: ${known[*]})" >&2; exit 1; }
    done
    select_allocs
    [ ${#AVAIL[@]} -gt 0 ] || { echo "callgrind.sh: no allocator available" >&2; exit 1; }
    in_list mimalloc "${AVAIL[*]}" || note "mimalloc not among the allocators: no 'vs mimalloc' ratios"
    ensure_bench_bins || exit 1

    FAILED=0
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-callgrind.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$RESULTS"
    local stamp alloc
    stamp=callgrind-$(date +%Y%m%d-%H%M%S)
    TSV=$RESULTS/$stamp.tsv
    printf 'allocator\tbench\tir_per_op\tallocator_ir_per_op\td1_misses_per_op\tll_data_misses_per_op\n' >"$TSV"
    for b in $BENCHES; do
        printf '%s (Ir/op):' "$b" >&2
        for alloc in "${AVAIL[@]}"; do measure "$alloc" "$b"; done
        echo >&2
    done
    markdown | tee "$RESULTS/$stamp.md"
    echo >&2
    echo "results: ${TSV#"$REPO_ROOT"/}, ${RESULTS#"$REPO_ROOT"/}/$stamp.md" >&2
    return $FAILED
}

main "$@"
