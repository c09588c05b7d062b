#!/usr/bin/env bash
# HAKMEM_LTTNG=1 does not turn the rings on: below level 3 without HAKMEM_TRACE=1 the
# events go to LTTng alone, no ring is written and no dump is taken (a dump would hold no
# event). With HAKMEM_TRACE=1, or at level 3, the rings record as well. No session daemon
# is needed: lttng-ust is told not to wait for one.
set -u
build=${HAKMEM_BUILD:?} tmp=${TEST_TMPDIR:?}
lib=$build/lib/libhakmem.so prog=$build/tests/trace/lttng_workload
check=$HAKMEM_SRC/tests/trace/htrace_check.py
for f in "$lib" "$build/lib/libhakmem-lttng.so" "$prog"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
fail=0

# run NAME ENV...: the workload (20000 calls) with a dump at exit into $tmp/NAME/; prints the number
# of dumps written, and the rings and events of the dump when there is one
run() {
    local name=$1 dir=$tmp/$1; shift
    mkdir -p "$dir"
    env -u HAKMEM_TRACE -u HAKMEM_INTEGRITY_LEVEL LTTNG_UST_REGISTER_TIMEOUT=0 LTTNG_HOME="$tmp" \
        HAKMEM_LTTNG=1 HAKMEM_TRACE_DUMP_AT_EXIT=1 HAKMEM_TRACE_DUMP="$dir/" "$@" LD_PRELOAD="$lib" \
        "$prog" --threads 1 >"$dir/out" 2>&1 || { echo "FAIL: $name: the workload failed:"; cat "$dir/out"; fail=1; return; }
    grep -q "could not be loaded" "$dir/out" && { echo "FAIL: $name: provider not loaded"; fail=1; }
    local dumps=("$dir"/*.htrace)
    [ -e "${dumps[0]}" ] || { echo "0"; return; }
    python3 "$check" "${dumps[0]}" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(1, len(s["rings"]), sum(r["count"] for r in s["rings"]))'
}

r=$(run level1 HAKMEM_INTEGRITY_LEVEL=1)
echo "level 1, LTTng alone: dumps, rings, events: $r"
[ "$r" = 0 ] || { echo "FAIL: a dump was written with the rings off"; fail=1; }

for setting in "HAKMEM_INTEGRITY_LEVEL=1 HAKMEM_TRACE=1" "HAKMEM_INTEGRITY_LEVEL=3"; do
    # shellcheck disable=SC2086
    r=$(run "${setting// /_}" $setting)
    echo "$setting with LTTng: dumps, rings, events: $r"
    read -r n rings events <<<"$r"
    [ "${n:-0}" = 1 ] && [ "${rings:-0}" -ge 1 ] && [ "${events:-0}" -ge 20000 ] ||
        { echo "FAIL: $setting: expected a dump whose rings hold the 20000 calls' events"; fail=1; }
done
[ $fail = 0 ] && echo ok
exit $fail
