#!/usr/bin/env bash
# Sequence numbers stay one order when a second thread joins in (trace/seq.h): the main
# thread takes numbers alone, then with an idle second thread (the solo thread: no locked
# add), and goes on taking them while that thread starts four others, whose first numbers
# turn the counter shared. Repeated, since the first number of another thread meets the
# main thread's at a different point each time: every dump has every number from 1 on
# exactly once (one taken twice, or lost, fails) and every ring in order.
set -u
prog=$HAKMEM_BUILD/tests/trace/trace_workload
for i in $(seq 1 8); do
    DUMP=$TEST_TMPDIR/join.htrace HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_RING=1048576 LD_PRELOAD=$HAKMEM_LIB \
        "$prog" join 4 10000 >"$TEST_TMPDIR/out" 2>&1 || { cat "$TEST_TMPDIR/out"; exit 1; }
    python3 "$HAKMEM_SRC/tests/trace/htrace_check.py" "$TEST_TMPDIR/join.htrace" >"$TEST_TMPDIR/sum.json" || exit 1
    python3 - "$TEST_TMPDIR/sum.json" "$i" "$(cat "$TEST_TMPDIR/out")" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1])); run = sys.argv[2]
ok = (len(s["rings"]) >= 6 and all(not r["lost"] for r in s["rings"]) and
      s["min_seq"] == 1 and s["max_seq"] == s["nseq"] and s["seq_next"] == s["max_seq"] + 1)
print(("ok   " if ok else "FAIL ") + f"run {run}: {len(s['rings'])} rings, seqs 1..{s['max_seq']}, "
      f"{s['nseq']} distinct, next {s['seq_next']} ({sys.argv[3]})")
sys.exit(0 if ok else 1)
PY
done
