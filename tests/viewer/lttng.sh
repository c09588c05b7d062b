#!/usr/bin/env bash
# A real LTTng trace: the simulated run's events go through the hakmem tracepoint
# provider (libhakmem-lttng.so) into an LTTng-UST session; the viewer must read the
# session's trace directory and find what it finds in the dump of the same run.
# Skipped (77) where LTTng cannot trace (no lttng tools, no session daemon, no provider).
. "$(dirname "$0")/lib.bash"
LIB=$B/lib/libhakmem-lttng.so
[ -e "$LIB" ] || { echo "skip: $LIB not built"; exit 77; }
command -v lttng >/dev/null || { echo "skip: lttng-tools not installed"; exit 77; }
started=""
if ! lttng list >/dev/null 2>&1; then
    command -v lttng-sessiond >/dev/null || { echo "skip: no lttng-sessiond"; exit 77; }
    before=$(pgrep -x lttng-sessiond | tr '\n' ' ')
    lttng-sessiond --daemonize >/dev/null 2>&1 || { echo "skip: cannot start lttng-sessiond"; exit 77; }
    sleep 1
    for p in $(pgrep -x lttng-sessiond); do case " $before " in *" $p "*) ;; *) started="$started $p" ;; esac; done
fi
S=hakmem-viewer-test-$$
# the session, and the session daemon if this test started it
trap 'lttng destroy $S >/dev/null 2>&1; for p in $started; do kill "$p" 2>/dev/null; done' EXIT

run() { # name gen-args...
    local name=$1; shift
    lttng create "$S" --output="$T/$name.lttng" >/dev/null || { echo "skip: cannot create a session"; exit 77; }
    lttng enable-channel -u --subbuf-size=4M --num-subbuf=8 big -s "$S" >/dev/null &&
        lttng enable-event -u 'hakmem:*' -c big -s "$S" >/dev/null && lttng start "$S" >/dev/null ||
        { echo "skip: cannot enable events"; exit 77; }
    "$GEN" -o "$T/$name.htrace" --lttng "$LIB" "$@" >"$T/$name.truth"
    lttng stop "$S" >/dev/null
    lttng destroy "$S" >/dev/null
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
