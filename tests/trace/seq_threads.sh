#!/usr/bin/env bash
# Sequence numbers are one order across threads, before, during and after the threads:
# the main thread allocates alone (one thread: numbers taken without a locked add,
# hak_seq_take in trace/ring.h), then four threads allocate and free each other's blocks at
# once (locked adds), then the main thread again. The dump, taken when all are done with
# rings large enough to hold everything, has every number from 1 on exactly once: a number
# two threads took at once would be there twice (htrace_check.py fails), one lost would
# leave a gap; and every thread's ring is in order.
set -u
prog=$HAKMEM_BUILD/tests/trace/trace_workload
DUMP=$TEST_TMPDIR/threads.htrace HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_RING=1048576 LD_PRELOAD=$HAKMEM_LIB \
    "$prog" threads 4 100000 >"$TEST_TMPDIR/out" 2>&1 || { cat "$TEST_TMPDIR/out"; exit 1; }
python3 "$HAKMEM_SRC/tests/trace/htrace_check.py" "$TEST_TMPDIR/threads.htrace" >"$TEST_TMPDIR/sum.json" || exit 1
python3 - "$TEST_TMPDIR/sum.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); ev = s["events"]
ok = True
def want(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok &= cond
want(len(s["rings"]) >= 5, f"the main thread's ring and four workers' ({len(s['rings'])} rings)")
want(all(not r["lost"] for r in s["rings"]), "no ring wrapped")
want(ev.get("remote_push", 0) == 4 * 512, f"the threads freed each other's blocks ({ev.get('remote_push', 0)} remote pushes)")
want(ev.get("alloc", 0) >= 6 * 100000, f"{ev.get('alloc', 0)} allocs for 6 x 100000 calls")
want(s["min_seq"] == 1 and s["max_seq"] == s["nseq"] and s["seq_next"] == s["max_seq"] + 1,
     f"seqs 1..{s['max_seq']}, each once ({s['nseq']} distinct; next {s['seq_next']})")
sys.exit(0 if ok else 1)
PY
