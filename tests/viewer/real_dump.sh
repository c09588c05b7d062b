#!/usr/bin/env bash
# Dumps written by the real allocator: a multithreaded workload with cross-thread frees
# and exiting threads, run under libhakmem at level 3 with small rings (so they wrap) and a
# dump at exit, must replay clean; so must the same with rings that keep everything.
. "$(dirname "$0")/lib.bash"
LIB=${HAKMEM_LIB:-$B/lib/libhakmem.so}
PROG=$B/tests/viewer/xfree
[ -e "$LIB" ] && [ -x "$PROG" ] || { echo "FAIL: $LIB or $PROG is missing (make)"; exit 1; }
for ring in 1024 16384 1048576; do
    d=$T/ring$ring
    mkdir -p "$d"
    HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE=1 HAKMEM_TRACE_RING=$ring HAKMEM_TRACE_DUMP_AT_EXIT=1 \
        HAKMEM_TRACE_DUMP="$d/x.htrace" LD_PRELOAD="$LIB" "$PROG" >/dev/null 2>"$d/err"
    f=$(ls "$d"/*.htrace 2>/dev/null | head -1)
    [ -n "$f" ] || { bad "ring $ring: no dump written ($(head -c 200 "$d/err"))"; continue; }
    "$VIEW" replay --json "$f" >"$d/r.json"; rc=$?
    ev=$(jget "$d/r.json" 'd["events"]')
    if [ $rc -eq 0 ]; then ok "ring $ring: $ev events replay clean (complete from $(jget "$d/r.json" 'd["complete_from"]'))"
    else bad "ring $ring: exit $rc"; "$VIEW" replay "$f" | head -30; fi
    "$VIEW" summary "$f" >/dev/null && ok "ring $ring: summary" || bad "ring $ring: summary"
done
finish
