#!/usr/bin/env bash
# A/B comparison of allocator configurations on one benchmark command, in alternating
# rounds: every round runs each configuration once (the order rotating), and each
# configuration's ratio to the first is taken within the round, so a change of the
# machine's load between rounds cancels out. The way to compare two builds (the library
# before and after a change, copied aside) or two settings of one build.
#
# Usage: bash bench/ab.sh 'NAME|VAR=VALUE ...' 'NAME|VAR=VALUE ...' ...
#   e.g. bash bench/ab.sh "level2|LD_PRELOAD=build/lib/libhakmem.so HAKMEM_INTEGRITY_LEVEL=2" \
#            "rings|LD_PRELOAD=build/lib/libhakmem.so HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_TRACE=1"
# Each configuration is the environment its runs get (nothing else is preloaded; an
# empty one runs the command under glibc). Settings:
#   ROUNDS=9                                   rounds
#   CMD="build/bench/bench_random_mixed 10000000 8192 42"   the command: a benchmark of
#                                              bench/, which prints ops_per_sec=N
# Prints a markdown table: median ops/s and the median, lowest and highest per-round
# time ratio to the first configuration (above 1: slower). Exit 1 when a run fails.
set -u
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROUNDS=${ROUNDS:-9}
CMD=${CMD:-$BUILD/bench/bench_random_mixed 10000000 8192 42}
[ $# -ge 2 ] || { sed -n '8,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
ensure_bench_bins

names=() envs=()
for c in "$@"; do
    [[ "$c" == *"|"* ]] || { echo "ab.sh: '$c' is not NAME|ENVIRONMENT" >&2; exit 2; }
    names+=("${c%%|*}") envs+=("${c#*|}")
done
n=${#names[@]}
read -r -a cmd <<<"$CMD"

# one run of configuration i: its ops/s on stdout
run() {
    local -a e
    read -r -a e <<<"${envs[$1]}"
    local out
    out=$(env -u LD_PRELOAD -u HAKMEM_INTEGRITY_LEVEL -u HAKMEM_TRACE "${e[@]}" "${cmd[@]}" 2>&1) || {
        echo "ab.sh: ${names[$1]}: '$CMD' failed: $(tail -n 3 <<<"$out")" >&2; return 1; }
    sed -n 's/.* ops_per_sec=\([0-9.]*\).*/\1/p' <<<"$out" | grep . || {
        echo "ab.sh: ${names[$1]}: no ops_per_sec in the output of '$CMD'" >&2; return 1; }
}

rows=$(mktemp "${TMPDIR:-/tmp}/hakmem-ab.XXXXXX")
trap 'rm -f "$rows"' EXIT
for ((r = 0; r < ROUNDS; r++)); do
    declare -a ops=()
    for ((k = 0; k < n; k++)); do
        i=$(((k + r) % n))
        ops[i]=$(run "$i") || exit 1
    done
    for ((i = 0; i < n; i++)); do echo "$i ${ops[i]} ${ops[0]}"; done >>"$rows"
done

echo "${CMD//$REPO_ROOT\//}, $ROUNDS rounds; $(machine_line)"
echo
echo "| configuration | ops/s (median) | time vs ${names[0]} (median of rounds) | lowest | highest |"
echo "|---|--:|--:|--:|--:|"
for ((i = 0; i < n; i++)); do
    awk -v i="$i" -v name="${names[i]}" '
        $1 == i { ops[++k] = $2; q[k] = $3 / $2 }
        function median(a, m,   j, t, s, b) {
            for (j = 1; j <= m; j++) b[j] = a[j]
            for (j = 2; j <= m; j++) { t = b[j]; for (s = j - 1; s >= 1 && b[s] > t; s--) b[s + 1] = b[s]; b[s + 1] = t }
            return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
        }
        END {
            lo = hi = q[1]
            for (j = 2; j <= k; j++) { if (q[j] < lo) lo = q[j]; if (q[j] > hi) hi = q[j] }
            printf "| %s | %.2fM | %.3fx | %.3fx | %.3fx |\n", name, median(ops, k) / 1e6, median(q, k), lo, hi
        }' "$rows"
done
