#!/usr/bin/env bash
# The cost of LTTng-UST malloc tracing with an active recording session:
#   hakmem    libhakmem.so with HAKMEM_LTTNG=1, the session recording hakmem:alloc and
#             hakmem:free (the provider of trace/lttng/, loaded by libhakmem);
#   glibc     glibc's malloc under lttng-ust's own liblttng-ust-libc-wrapper.so, the
#             session recording lttng_ust_libc:* (malloc, free, ...);
# each also without a session (the daemon running, the tracepoints off) and without LTTng
# at all. bench_random_mixed makes one malloc or free per iteration, so both tracers see
# the same calls. Rounds alternate the configurations (the order rotating), the table
# gives medians; events/s is events recorded over the bench's timed loop.
#
# Usage: bash bench/lttng_compare.sh
# Environment:
#   ROUNDS=5                 rounds (each runs every configuration once)
#   ARGS="2000000 8192 42"   bench_random_mixed arguments
#   LEVEL=                   HAKMEM_INTEGRITY_LEVEL for hakmem (default: the library's)
#   CHANNEL="--subbuf-size=1M --num-subbuf=8"   lttng enable-channel options, both sessions
#   BUILD=build              build directory
#   CALLGRIND_ITERS=100000   N for the instruction counts (0: none): the two configurations
#                            with a session run under callgrind with N and 2N iterations,
#                            and instructions per op = (Ir(2N) - Ir(N)) / N, which the
#                            machine's load does not move (bench/callgrind.sh explains why)
# Starts a session daemon if none runs (and stops it, only it, at the end).
set -u
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=trace/lttng/session.bash
source "$REPO_ROOT/trace/lttng/session.bash"

ROUNDS=${ROUNDS:-5}
ARGS=${ARGS:-2000000 8192 42}
LEVEL=${LEVEL:-}
CHANNEL=${CHANNEL:---subbuf-size=1M --num-subbuf=8}
CALLGRIND_ITERS=${CALLGRIND_ITERS:-100000}
bench=$BUILD/bench/bench_random_mixed
hakmem=$BUILD/lib/libhakmem.so
wrapper=$(find_system_lib liblttng-ust-libc-wrapper.so.1 liblttng-ust-libc-wrapper.so)

ensure_bench_bins
for f in "$bench" "$hakmem" "$BUILD/lib/libhakmem-lttng.so"; do
    [ -e "$f" ] || { echo "$f is missing: run make" >&2; exit 1; }
done
[ -n "$wrapper" ] || { echo "liblttng-ust-libc-wrapper.so not found (make deps)" >&2; exit 1; }
command -v babeltrace2 >/dev/null || { echo "babeltrace2 not found (make deps)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-lttng-bench.XXXXXX")
trap 'lt_cleanup; rm -rf "$work"' EXIT
trap 'exit 143' TERM INT HUP
lt_sessiond_up || { echo "no session daemon: $LT_ERR" >&2; exit 1; }

# name | preload | environment | event rules recorded (none: no session)
CONFIGS=(
    "glibc|||"
    "glibc + libc-wrapper, no session|$wrapper||"
    "glibc + libc-wrapper, session|$wrapper||lttng_ust_libc:*"
    "hakmem|$hakmem|${LEVEL:+HAKMEM_INTEGRITY_LEVEL=$LEVEL}|"
    "hakmem HAKMEM_LTTNG=1, no session|$hakmem|HAKMEM_LTTNG=1 ${LEVEL:+HAKMEM_INTEGRITY_LEVEL=$LEVEL}|"
    "hakmem HAKMEM_LTTNG=1, session|$hakmem|HAKMEM_LTTNG=1 ${LEVEL:+HAKMEM_INTEGRITY_LEVEL=$LEVEL}|hakmem:alloc hakmem:free"
)
declare -A OPS SECS EVENTS LOST

# run_one INDEX ROUND: one run of configuration INDEX; appends to OPS/SECS/EVENTS/LOST.
run_one() {
    local i=$1 r=$2 name preload envs rules out session="" dir=$work/trace-$1-$2
    IFS='|' read -r name preload envs rules <<<"${CONFIGS[$i]}"
    if [ -n "$rules" ]; then
        session=$(lt_unique_name bench)
        # shellcheck disable=SC2086
        lt_session_start "$session" "$dir" "$CHANNEL" $rules || { echo "session set-up failed" >&2; exit 1; }
    fi
    # shellcheck disable=SC2086
    out=$(env -u LD_PRELOAD -u HAKMEM_LTTNG -u HAKMEM_INTEGRITY_LEVEL $envs \
        ${preload:+LD_PRELOAD=$preload} "$bench" $ARGS) || { echo "run failed: $name" >&2; exit 1; }
    local ev=0 lost=0
    if [ -n "$session" ]; then
        lttng stop "$session" >/dev/null
        lost=$(lttng list "$session" | awk '/Discarded events:/ { s += $3 } END { print s + 0 }')
        lt_session_end "$session"
        ev=$(babeltrace2 "$dir" -c sink.utils.counter -p step=+0 2>/dev/null |
            awk '/Event messages/ { print $1; exit }')
        rm -rf "$dir"
    fi
    OPS[$i]+=" $(sed -n 's/.* ops_per_sec=\([0-9]*\).*/\1/p' <<<"$out")"
    SECS[$i]+=" $(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")"
    EVENTS[$i]+=" ${ev:-0}"
    LOST[$i]+=" $lost"
    echo "round $r: $name: ops_per_sec=${OPS[$i]##* } events=${ev:-0} discarded=$lost" >&2
}

# instructions_of INDEX N: the instructions bench_random_mixed N executes under
# configuration INDEX, with its session, under callgrind. lttng-ust gives up waiting for
# the session daemon after 3 s by default, which a program under valgrind may need: it
# waits as long as it takes here, so that every event is recorded (checked).
instructions_of() {
    local i=$1 n=$2 name preload envs rules session dir=$work/cg-$1-$2 ir ev
    IFS='|' read -r name preload envs rules <<<"${CONFIGS[$i]}"
    session=$(lt_unique_name cg)
    # shellcheck disable=SC2086
    lt_session_start "$session" "$dir" "$CHANNEL" $rules || { echo "session set-up failed" >&2; exit 1; }
    # shellcheck disable=SC2086
    env -u LD_PRELOAD -u HAKMEM_LTTNG -u HAKMEM_INTEGRITY_LEVEL $envs LTTNG_UST_REGISTER_TIMEOUT=-1 \
        ${preload:+LD_PRELOAD=$preload} valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --log-file="$work/cg.log" "$bench" "$n" 8192 42 >/dev/null || { echo "callgrind run failed: $name" >&2; exit 1; }
    lttng stop "$session" >/dev/null
    lt_session_end "$session"
    ev=$(babeltrace2 "$dir" -c sink.utils.counter -p step=+0 2>/dev/null | awk '/Event messages/ { print $1; exit }')
    rm -rf "$dir"
    ir=$(awk '/Collected :/ { print $NF }' "$work/cg.log")
    [ "${ev:-0}" -ge "$n" ] || { echo "$name under callgrind: $ev events recorded for $n operations" >&2; exit 1; }
    echo "$ir"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else if (v >= 1e3) printf "%.1fk", v / 1e3; else printf "%d", v }'; }

n=${#CONFIGS[@]}
for ((r = 0; r < ROUNDS; r++)); do
    for ((k = 0; k < n; k++)); do run_one $(( (k + r) % n )) $r; done
done

echo "## LTTng-UST malloc tracing: bench_random_mixed $ARGS"
echo
echo "$(machine_line); $ROUNDS rounds, medians; channel: $CHANNEL (discard mode)"
echo
echo "| configuration | ops/s | vs. no LTTng | events recorded | discarded | events/s |"
echo "|---|---:|---:|---:|---:|---:|"
for ((i = 0; i < n; i++)); do
    IFS='|' read -r name _ _ rules <<<"${CONFIGS[$i]}"
    ops=$(median <<<"${OPS[$i]}") secs=$(median <<<"${SECS[$i]}")
    base=$(( i < 3 ? 0 : 3 )); bops=$(median <<<"${OPS[$base]}")
    rel=$(awk -v a="$ops" -v b="$bops" 'BEGIN { printf "%.2fx", a / b }')
    if [ -n "$rules" ]; then
        ev=$(median <<<"${EVENTS[$i]}") lost=$(median <<<"${LOST[$i]}")
        eps=$(awk -v e="$ev" -v s="$secs" 'BEGIN { print e / s }')
        echo "| $name | $(fmt "$ops") | $rel | $(fmt "$ev") | $(fmt "$lost") | $(fmt "$eps") |"
    else
        echo "| $name | $(fmt "$ops") | $rel | - | - | - |"
    fi
done
# The target's ratio round by round: the two sessions of one round ran minutes apart at
# most, so their ratio shakes less than the ratio of medians when the machine is noisy.
ratios=$(paste -d' ' <(tr ' ' '\n' <<<"${OPS[5]}" | grep .) <(tr ' ' '\n' <<<"${OPS[2]}" | grep .) |
    awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }')
echo
echo "hakmem with a session against the wrapper with a session, round by round: median $(median <<<"$ratios")x ($ratios)"
if [ "$CALLGRIND_ITERS" -gt 0 ] && command -v valgrind >/dev/null; then
    echo
    echo "Instructions per op under callgrind (bench_random_mixed, N = $CALLGRIND_ITERS and 2N, the same sessions):"
    echo
    echo "| configuration | instructions per op |"
    echo "|---|---:|"
    for i in 2 5; do
        a=$(instructions_of $i "$CALLGRIND_ITERS") b=$(instructions_of $i $((2 * CALLGRIND_ITERS)))
        echo "| $(cut -d'|' -f1 <<<"${CONFIGS[$i]}") | $(awk -v a="$a" -v b="$b" -v n="$CALLGRIND_ITERS" 'BEGIN { printf "%.0f", (b - a) / n }') |"
    done
fi
echo
echo "ops/s: the bench's own figure (one malloc or free per op). Events recorded include the"
echo "frees of the blocks still live after the timed loop. hakmem at HAKMEM_INTEGRITY_LEVEL=${LEVEL:-default}."
if [ "$(median <<<"${EVENTS[5]}")" = 0 ]; then
    echo
    echo "**hakmem recorded no events**: this libhakmem emits none at this level (try LEVEL=3)."
fi
