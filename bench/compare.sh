#!/usr/bin/env bash
# Runs the benchmarks under several allocators and prints markdown tables of the medians.
#
# Usage (from the repo root, or anywhere):  bash bench/compare.sh
# Environment:
#   ROUNDS=5            rounds; each round runs every bench once under every allocator,
#                       the allocator order rotating from round to round, so that a noisy
#                       stretch of time hits all allocators alike (default 5, QUICK: 2)
#   BENCHES="..."       subset of: random_mixed fixed_64 fixed_64_batch larson
#                       larson_handoff realloc_aligned (default: all)
#   ALLOCS="..."        subset/order of allocators (names in bench/common.sh); default:
#                       hakmem-l0, hakmem-rtN for N in HAKMEM_BENCH_LEVELS, glibc,
#                       mimalloc, jemalloc, tcmalloc
#   HAKMEM_BENCH_LEVELS="0 1 2 3 4"   levels run with libhakmem.so (HAKMEM_INTEGRITY_LEVEL)
#   QUICK=1             small iteration counts: a smoke run of a few seconds
#   THREADS=2           threads of the larson benches
#   BUILD=build         build directory (relative to the repo root, as in make)
#   RESULTS=BUILD/bench-results       where the raw and summary files go
#   BENCH_TIMEOUT=600   seconds before one run is killed
# Missing allocator libraries are skipped with a note. Writes, per invocation,
#   RESULTS/compare-STAMP.raw.tsv      one line per run
#   RESULTS/compare-STAMP.summary.tsv  medians and ratios per bench and allocator
#   RESULTS/compare-STAMP.md           the markdown printed on stdout
#   RESULTS/logs/compare-STAMP/        stderr of the runs that wrote any
# Progress goes to stderr. Exits 1 if a run failed (crash, timeout, corruption found).
set -u
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then ROUNDS=${ROUNDS:-2}; else ROUNDS=${ROUNDS:-5}; fi
THREADS=${THREADS:-2}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
RESULTS=${RESULTS:-$BUILD/bench-results}

# name | program | full-size arguments | QUICK arguments   (@T@ = THREADS)
CASES=(
    "random_mixed|bench_random_mixed|30000000 8192 42 16 1040|300000 8192 42 16 1040"
    "fixed_64|bench_fixed_size|50000000 64 8192 42 random|400000 64 8192 42 random"
    "fixed_64_batch|bench_fixed_size|100000000 64 1000 42 batch|600000 64 1000 42 batch"
    "larson|bench_larson|@T@ 40 8 1000 5000 4141 500000 respawn|@T@ 4 8 1000 1000 4141 25000 respawn"
    "larson_handoff|bench_larson|@T@ 40 8 1000 5000 4141 500000 handoff|@T@ 4 8 1000 1000 4141 25000 handoff"
    "realloc_aligned|bench_realloc_aligned|4000000 42 2048|100000 42 2048"
)

declare -A CASE_PROG CASE_ARGS
CASE_NAMES=()
FAILED=0

select_cases() {
    local c name prog full quick
    for c in "${CASES[@]}"; do
        IFS='|' read -r name prog full quick <<<"$c"
        if [ -n "${BENCHES:-}" ] && ! in_list "$name" "$BENCHES"; then continue; fi
        CASE_NAMES+=("$name")
        CASE_PROG[$name]=$prog
        [ "$QUICK" = 1 ] && full=$quick
        CASE_ARGS[$name]=${full//@T@/$THREADS}
    done
    local b
    for b in ${BENCHES:-}; do
        [ -n "${CASE_PROG[$b]:-}" ] || note "unknown bench $b (known: $(cut_names))"
    done
}
cut_names() { local c out=(); for c in "${CASES[@]}"; do out+=("${c%%|*}"); done; echo "${out[*]}"; }

# field KEY LINE: the value of KEY=value in a report line.
field() { local re="(^| )$1=([^ ]*)"; [[ $2 =~ $re ]] && echo "${BASH_REMATCH[2]}"; }

# run_one ROUND BENCH ALLOC: runs one benchmark, appends a line to the raw file and
# prints the rate (Mops/s) or the failure on stderr.
run_one() {
    local round=$1 bench=$2 alloc=$3 out err rc line status=ok
    err=$LOGS/$bench.$alloc.r$round.err
    # shellcheck disable=SC2086  # the arguments are words
    out=$(with_alloc "$alloc" timeout -k 5 "$BENCH_TIMEOUT" \
        "$BUILD/bench/${CASE_PROG[$bench]}" ${CASE_ARGS[$bench]} 2>"$err")
    rc=$?
    line=$(grep -m1 '^bench_' <<<"$out")
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        status=fail
        [ $rc -eq 124 ] && status=timeout
    elif grep -q 'cannot be preloaded' "$err"; then
        status=no-preload
    fi
    if [ $status != ok ]; then
        local how="exit status $rc"
        [ $rc -gt 128 ] && how="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null)"
        [ $rc -eq 124 ] && how="killed after ${BENCH_TIMEOUT}s"
        [ $status = no-preload ] && how="the library could not be preloaded"
        echo "compare.sh: $status, $how" >>"$err"
        FAILED=1
        note "$bench under $alloc, round $round: $status, $how; see ${err#"$REPO_ROOT"/}"
        printf '%s\t%s\t%s\t%s\t\t\t\t\t\t\t\n' "$round" "$bench" "$alloc" "$status" >>"$RAW"
        printf ' %s=%s' "$alloc" "$status" >&2
        return
    fi
    [ -s "$err" ] || rm -f "$err"
    local rate
    rate=$(field ops_per_sec "$line")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$bench" "$alloc" ok \
        "$(field ops "$line")" "$(field seconds "$line")" "$rate" "$(field maxrss_kib "$line")" \
        "$(field checksum "$line")" "$(field misaligned "$line")" "$(field cpu_seconds "$line")" >>"$RAW"
    printf ' %s=%.1f' "$alloc" "$(awk -v r="$rate" 'BEGIN { print r / 1e6 }')" >&2
}

# Every round runs every bench under every allocator once; the allocator order is
# rotated by one each round.
run_rounds() {
    local round bench i n=${#AVAIL[@]}
    for ((round = 1; round <= ROUNDS; round++)); do
        for bench in "${CASE_NAMES[@]}"; do
            printf '[round %d/%d] %s (Mops/s):' "$round" "$ROUNDS" "$bench" >&2
            for ((i = 0; i < n; i++)); do
                run_one "$round" "$bench" "${AVAIL[$(((i + round - 1) % n))]}"
            done
            echo >&2
        done
    done
}

# Checks that each bench did the same work under every allocator (same checksum) and
# notes misaligned results.
check_results() {
    local msg
    while IFS= read -r msg; do
        [ -n "$msg" ] && note "$msg"
    done < <(awk -F'\t' 'NR > 1 && $4 == "ok" {
            if (!($2 in ref)) { ref[$2] = $9; refa[$2] = $3 }
            else if ($9 != ref[$2] && !seen[$2 SUBSEP $3]++)
                printf "%s under %s: checksum %s differs from %s under %s: not the same work\n",
                       $2, $3, $9, ref[$2], refa[$2]
            if ($10 > 0 && !mis[$2 SUBSEP $3]++)
                printf "%s under %s, round %s: %d aligned allocations were misaligned; see %s/%s.%s.r%s.err\n",
                       $2, $3, $1, $10, logs, $2, $3, $1
        }' logs="${LOGS#"$REPO_ROOT"/}" "$RAW")
}

# Medians per bench and allocator, with ratios, into the summary file.
summarize() {
    awk -F'\t' -v OFS='\t' -v allocs="${AVAIL[*]}" -v benches="${CASE_NAMES[*]}" '
        function median(s,    a, n, i, j, t) {
            n = split(s, a, " ")
            for (i = 2; i <= n; i++) {            # insertion sort, numerically
                t = a[i] + 0
                for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
                a[j + 1] = t
            }
            if (n == 0) return ""
            return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function minmax(s, want,    a, n, i, v) {
            n = split(s, a, " "); v = a[1] + 0
            for (i = 2; i <= n; i++)
                if (want == "min" ? a[i] + 0 < v : a[i] + 0 > v) v = a[i] + 0
            return v
        }
        function whole(v) { return v == "" ? "" : sprintf("%.0f", v) }
        function ratio(x, y) { return (x != "" && y != "" && y > 0) ? sprintf("%.3f", x / y) : "" }
        NR > 1 && $4 == "ok" {
            rate[$2, $3] = rate[$2, $3] " " $7; rss[$2, $3] = rss[$2, $3] " " $8; n[$2, $3]++
            if ($11 > 0) cpurate[$2, $3] = cpurate[$2, $3] " " $5 / $11
        }
        NR > 1 && $4 != "ok" { bad[$2, $3]++ }
        END {
            print "bench", "allocator", "runs", "failed", "median_ops_per_sec", "min_ops_per_sec",
                  "max_ops_per_sec", "ratio_glibc", "ratio_mimalloc", "median_maxrss_kib", "rss_ratio_glibc",
                  "median_ops_per_cpu_sec"
            nb = split(benches, B, " "); na = split(allocs, A, " ")
            for (i = 1; i <= nb; i++) {
                b = B[i]
                g = median(rate[b, "glibc"]); m = median(rate[b, "mimalloc"]); gr = median(rss[b, "glibc"])
                for (j = 1; j <= na; j++) {
                    a = A[j]; r = median(rate[b, a]); k = median(rss[b, a])
                    print b, a, n[b, a] + 0, bad[b, a] + 0, whole(r), (r == "" ? "" : whole(minmax(rate[b, a], "min"))),
                          (r == "" ? "" : whole(minmax(rate[b, a], "max"))), ratio(r, g), ratio(r, m), whole(k),
                          ratio(k, gr), whole(median(cpurate[b, a]))
                }
            }
        }' "$RAW" >"$SUMMARY"
}

# The markdown report, from the summary file.
markdown() {
    local bench
    echo "## Benchmark results ($([ "$QUICK" = 1 ] && echo "QUICK smoke run, ")median of $ROUNDS rounds)"
    echo
    echo "$(machine_line); $(date -u +%Y-%m-%d)."
    echo
    echo "Allocators:"
    local a
    for a in "${AVAIL[@]}"; do echo "- $a: ${AVAIL_DESC[$a]}"; done
    echo
    echo "### Throughput, million allocator calls per second (median)"
    echo
    awk -F'\t' -v benches="${CASE_NAMES[*]}" -v allocs="${AVAIL[*]}" '
        NR > 1 { v[$1, $2] = ($5 == "" ? "failed" : sprintf("%.1f", $5 / 1e6)) }
        END {
            nb = split(benches, B, " "); na = split(allocs, A, " ")
            line = "| allocator |"; sep = "|---|"
            for (i = 1; i <= nb; i++) { line = line " " B[i] " |"; sep = sep "--:|" }
            print line; print sep
            for (j = 1; j <= na; j++) {
                line = "| " A[j] " |"
                for (i = 1; i <= nb; i++) line = line " " v[B[i], A[j]] " |"
                print line
            }
        }' "$SUMMARY"
    for bench in "${CASE_NAMES[@]}"; do
        echo
        echo "### $bench: \`${CASE_PROG[$bench]} ${CASE_ARGS[$bench]}\`"
        echo
        echo "| allocator | Mops/s | spread | vs glibc | vs mimalloc | Mops/CPU-s | peak RSS KiB | RSS vs glibc |"
        echo "|---|--:|--:|--:|--:|--:|--:|--:|"
        awk -F'\t' -v b="$bench" '
            function x(r) { return r == "" ? "-" : sprintf("%.2fx", r) }
            NR > 1 && $1 == b {
                if ($5 == "") { printf "| %s | failed | | | | | | |\n", $2; next }
                spread = $5 > 0 ? sprintf("%.0f%%", 100 * ($7 - $6) / $5) : "-"
                cpu = $12 == "" ? "-" : sprintf("%.2f", $12 / 1e6)
                printf "| %s | %.2f | %s | %s | %s | %s | %d | %s |\n", $2, $5 / 1e6, spread,
                       x($8), x($9), cpu, $10, x($11)
            }' "$SUMMARY"
    done
    echo
    echo "Mops/s: million allocator calls (malloc, free, realloc, ...) per second of wall time;"
    echo "spread: (max - min) / median over the rounds; Mops/CPU-s: the same calls per second of"
    echo "the process's CPU time (all threads), less sensitive to a busy machine for the"
    echo "single-threaded benches; peak RSS: ru_maxrss of the whole process."
    if [ ${#NOTES[@]} -gt 0 ]; then
        echo
        echo "Notes:"
        local n
        for n in "${NOTES[@]}"; do echo "- $n"; done
    fi
}

main() {
    select_allocs
    select_cases
    if [ ${#AVAIL[@]} -eq 0 ] || [ ${#CASE_NAMES[@]} -eq 0 ]; then
        echo "compare.sh: nothing to run (no allocator or no bench selected)" >&2
        exit 1
    fi
    in_list glibc "${AVAIL[*]}" || note "glibc not among the allocators: no 'vs glibc' ratios"
    in_list mimalloc "${AVAIL[*]}" || note "mimalloc not among the allocators: no 'vs mimalloc' ratios"
    ensure_bench_bins || exit 1

    local stamp
    stamp=compare-$(date +%Y%m%d-%H%M%S)$([ "$QUICK" = 1 ] && echo -quick)
    LOGS=$RESULTS/logs/$stamp      # stderr of the runs that printed any
    mkdir -p "$LOGS"
    RAW=$RESULTS/$stamp.raw.tsv
    SUMMARY=$RESULTS/$stamp.summary.tsv
    printf 'round\tbench\tallocator\tstatus\tops\tseconds\tops_per_sec\tmaxrss_kib\tchecksum\tmisaligned\tcpu_seconds\n' \
        >"$RAW"

    run_rounds
    check_results
    summarize
    markdown | tee "$RESULTS/$stamp.md"
    rmdir "$LOGS" "$RESULTS/logs" 2>/dev/null
    echo >&2
    echo "raw results: ${RAW#"$REPO_ROOT"/}; summary: ${SUMMARY#"$REPO_ROOT"/}; markdown: ${RESULTS#"$REPO_ROOT"/}/$stamp.md" >&2
    return $FAILED
}

main "$@"
