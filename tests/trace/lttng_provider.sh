#!/usr/bin/env bash
# The hakmem tracepoint provider on its own (no allocator): lttng_emit drives
# libhakmem-lttng.so's API with two events of every kind of trace/events.def (through
# hak_lttng_event and through the function hak_lttng_event_for gives), a geometry
# and two layout entries; every event must come back from babeltrace2 as hakmem:NAME with
# every field intact (names, widths, hex display). Ops outside the schema are dropped.
set -u
build=${HAKMEM_BUILD:?} src=${HAKMEM_SRC:?} tmp=${TEST_TMPDIR:?}
provider=$build/lib/libhakmem-lttng.so emit=$build/tests/trace/lttng_emit
# shellcheck source=trace/lttng/session.bash
source "$src/trace/lttng/session.bash"
lt_test_setup "$provider" "$emit"

session=$(lt_unique_name provider)
# Blocking channel: the app waits rather than discard, so every event must be there.
lt_session_start "$session" "$tmp/trace" "--blocking-timeout=inf" 'hakmem:*' ||
    { echo "FAIL: could not set up the session"; exit 1; }
LTTNG_UST_ALLOW_BLOCKING=1 "$emit" "$provider" >"$tmp/expected" ||
    { echo "FAIL: lttng_emit failed"; exit 1; }
lt_session_end "$session"

babeltrace2 "$tmp/trace" >"$tmp/bt.txt" 2>"$tmp/bt.err" ||
    { echo "FAIL: babeltrace2 could not read the trace"; cat "$tmp/bt.err"; exit 1; }
# "hakmem:NAME: { cpu_id = 0 }, { seq = 1, ptr = 0xAB, ... }" -> "NAME seq=1 ptr=0xab ..."
sed -n 's/.* hakmem:\([a-z_]*\): .*{ \([^{}]*\) }$/\1 \2/p' "$tmp/bt.txt" |
    sed 's/ = /=/g; s/, / /g; s/0x[0-9A-F]*/\L&/g' >"$tmp/got"

expected_events=$(grep -c '^HAK_EVENT(' "$src/trace/events.def")
[ "$(grep -vc '^geometry\|^layout' "$tmp/expected")" = "$((2 * expected_events))" ] ||
    { echo "FAIL: lttng_emit did not emit two events per events.def entry"; exit 1; }
if ! diff -u "$tmp/expected" "$tmp/got"; then
    echo "FAIL: the trace differs from what was emitted (- emitted, + read back)"
    exit 1
fi
echo "ok: $expected_events schema events (two ways each), geometry and layout read back field for field"
