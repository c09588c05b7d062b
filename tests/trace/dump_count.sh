#!/usr/bin/env bash
# Every operation is in the trace: N mallocs and N frees in one thread at level 3 give
# exactly N alloc and N free events in the dump, every free a tls_push, every alloc a
# tls_pop, sequence numbers without a gap, and the dump reads back whole
# (docs/TRACE_FORMAT.md).
set -u
prog=$HAKMEM_BUILD/tests/trace/trace_workload
check=$HAKMEM_SRC/tests/trace/htrace_check.py
n=20000
DUMP=$TEST_TMPDIR/count.htrace HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_RING=1048576 LD_PRELOAD=$HAKMEM_LIB \
    "$prog" count $n >"$TEST_TMPDIR/out" 2>&1 || { cat "$TEST_TMPDIR/out"; exit 1; }
python3 "$check" "$TEST_TMPDIR/count.htrace" >"$TEST_TMPDIR/sum.json" || exit 1
python3 - "$TEST_TMPDIR/sum.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2]); ev = s["events"]
# the process's own start-up allocations are in the trace too: count those of the workload
# by the gap between them and everything else would be fragile, so require at least n and
# exactly as many pops as allocs and pushes as frees
ok = True
def want(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok &= cond
want(ev.get("alloc", 0) >= n and ev.get("free", 0) >= n, f"alloc {ev.get('alloc')} and free {ev.get('free')} events for {n} + start-up calls")
want(ev.get("alloc", 0) - ev.get("free", 0) == 0 or ev.get("alloc", 0) - ev.get("free", 0) < 64,
     "allocs and frees balance (the program freed what it allocated; a few start-up blocks live on)")
want(ev.get("tls_pop", 0) == ev.get("alloc", 0) - ev.get("large_map", 0), f"one tls_pop per small alloc ({ev.get('tls_pop')})")
want(ev.get("tls_push", 0) + ev.get("remote_push", 0) == ev.get("free", 0) - ev.get("large_unmap", 0),
     f"one tls_push per small free ({ev.get('tls_push')})")
# from version 2 a tls_push or tls_pop carries its link: ptr is the link slot, BASE+8 from
# level 2 (docs/EVENTS.md)
want(s["version"] == 3 and s["tls_slots"] == [8], f"every tls_push and tls_pop at its link slot, BASE+8 ({s['tls_slots']})")
r = s["rings"][0] if s["rings"] else {"lost": True, "written": 1, "count": 0}
want(not r["lost"], "the ring held everything")
# the fast paths pack their events (trace/pack.h): every malloc's three (tls_pop,
# header_write, alloc) in one entry, every free's two (free, tls_push) in one; refills,
# carves and drains are one event per entry
want(r["count"] - r["written"] == 3 * n, f"{r['count']} events in {r['written']} entries: {3 * n} fewer entries than events")
# a fast path numbers its events in one atomic add (hak_ev_record_n in trace/ring.h): a
# batch that took more numbers than it wrote would leave gaps in a single-threaded trace
want(s["min_seq"] == 1 and s["max_seq"] - s["min_seq"] + 1 == s["nseq"],
     f"sequence numbers 1..{s['max_seq']} without a gap ({s['nseq']} events)")
sys.exit(0 if ok else 1)
PY
[ $? -eq 0 ] || exit 1

# The same with a ring of 1024 entries, which wraps about 40 times: the dump holds the
# events of the last 1024 entries, consecutive (a batch that wraps writes its events at
# both ends of the ring)
DUMP=$TEST_TMPDIR/small.htrace HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_RING=1024 LD_PRELOAD=$HAKMEM_LIB \
    "$prog" count $n >"$TEST_TMPDIR/out" 2>&1 || { cat "$TEST_TMPDIR/out"; exit 1; }
python3 "$check" "$TEST_TMPDIR/small.htrace" >"$TEST_TMPDIR/small.json" || exit 1
python3 - "$TEST_TMPDIR/small.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); r = s["rings"][0]
# (the dump leaves out the 3 oldest entries of a full ring, HAK_EV_BATCH_MAX: the writer
# may be overwriting them; the 1021 others hold the last frees, two events each, and the
# drains among them, one each)
ok = (r["lost"] and 1021 < r["count"] <= 2 * 1021 and r["written"] > 30 * 1024 and
      s["nseq"] == r["count"] and s["max_seq"] - s["min_seq"] + 1 == r["count"] and s["max_seq"] == s["seq_next"] - 1)
print(("ok   " if ok else "FAIL ") + f"a wrapped ring of 1024 ({r['written']} entries written) holds {r['count']} events, "
      f"seqs {s['min_seq']}..{s['max_seq']} without a gap ({s['nseq']} distinct; next {s['seq_next']})")
sys.exit(0 if ok else 1)
PY
