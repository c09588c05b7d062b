#!/usr/bin/env bash
# A dump taken by the fatal-signal handler while other threads allocate, free and free
# each other's blocks is complete and readable: every thread's ring, END, each ring in seq
# order with no seq twice (a torn record would break either).
set -u
prog=$HAKMEM_BUILD/tests/trace/trace_workload
# rings large enough that no thread's wraps before the crash (mapped, touched as written)
HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_RING=1048576 HAKMEM_TRACE_DUMP=$TEST_TMPDIR LD_PRELOAD=$HAKMEM_LIB "$prog" crash 4 >"$TEST_TMPDIR/out" 2>&1
rc=$?
[ $rc -eq 139 ] || { echo "expected death by SIGSEGV (139), got $rc"; cat "$TEST_TMPDIR/out"; exit 1; }
grep -q '^hakmem: fatal signal SIGSEGV at 0x10$' "$TEST_TMPDIR/out" || { echo "no fatal-signal line"; cat "$TEST_TMPDIR/out"; exit 1; }
dump=$(sed -n 's/^hakmem: trace dump written to //p' "$TEST_TMPDIR/out")
[ -f "$dump" ] || { echo "no dump named in:"; cat "$TEST_TMPDIR/out"; exit 1; }
[ "$(stat -c %a "$dump")" = 600 ] || { echo "dump mode is not 0600"; exit 1; }
python3 "$HAKMEM_SRC/tests/trace/htrace_check.py" "$dump" >"$TEST_TMPDIR/sum.json" || exit 1
python3 - "$TEST_TMPDIR/sum.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rings = s["rings"]; ev = s["events"]
print(f"{len(rings)} rings, {sum(r['count'] for r in rings)} events, reason {s['reason']} arg {s['reason_arg']}")
assert s["reason"] == 3 and s["reason_arg"] == 11, "reason: signal 11"
assert len(rings) >= 5, "the main thread and four workers"
assert ev.get("remote_push", 0) > 0, "cross-thread frees were traced"
# other threads go on while the dump is written, so events newer than the header's
# seq_next are expected; within a ring they must stay in order (htrace_check.py)
PY
