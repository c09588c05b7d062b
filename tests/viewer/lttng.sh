#!/usr/bin/env bash
# A real LTTng trace: the simulated run's events go through the hakmem tracepoint
# provider (libhakmem-lttng.so) into an LTTng-UST session; the viewer must read the
# session's trace directory and find what it finds in the dump of the same run.
# Skipped (77) only where no session daemon can run (lt_test_setup).
. "$(dirname "$0")/lib.bash"
LIB=$B/lib/libhakmem-lttng.so
# shellcheck source=trace/lttng/session.bash
. "${HAKMEM_SRC:?}/trace/lttng/session.bash"
lt_test_setup "$LIB"

run() { # name gen-args...
    local name=$1 S
    shift
    S=$(lt_unique_name "viewer-$name")
    lt_session_start "$S" "$T/$name.lttng" "--subbuf-size=4M --num-subbuf=8" 'hakmem:*' ||
        { bad "$name: could not set up the session"; return; }
    "$GEN" -o "$T/$name.htrace" --lttng "$LIB" "$@" >"$T/$name.truth"
    lt_session_end "$S"
    "$VIEW" replay --json "$T/$name.htrace" >"$T/$name.h.json"; local rh=$?
    "$VIEW" replay --json "$T/$name.lttng" >"$T/$name.l.json"; local rl=$?
    local e1 e2
    e1=$(jget "$T/$name.h.json" 'd["events"]'); e2=$(jget "$T/$name.l.json" 'd["events"]')
    [ "$e1" = "$e2" ] && ok "$name: $e2 events through LTTng" || bad "$name: $e1 events (dump) vs $e2 (LTTng)"
    [ $rh -eq $rl ] && ok "$name: same exit ($rl)" || bad "$name: exit $rh (dump) vs $rl (LTTng)"
    if [ $rl -eq 3 ]; then
        local c1 c2
        c1=$(jget "$T/$name.h.json" 'd["finding"]["culprit"]["seq"]'); c2=$(jget "$T/$name.l.json" 'd["finding"]["culprit"]["seq"]')
        [ "$c1" = "$c2" ] && ok "$name: culprit seq $c2 from LTTng" || bad "$name: culprit $c2 (LTTng) vs $c1 (dump)"
    fi
}
run clean --threads 4 --ops 8000 --live 300 --seed 2
run double_free --threads 4 --ops 8000 --inject double_free --level 1
finish
