#!/usr/bin/env bash
# The same localization from an LTTng capture: three crash repros (next_offset,
# user_as_base, drain_no_count) run at level 4 with HAKMEM_LTTNG=1 inside an LTTng session
# recording hakmem:*; `hakmem-trace replay --json` on the session's trace directory must
# name the culprit whose seq is the fault's fired seq, in the same block, as the replay of
# the level-4 dump of the same run does.
#
# The workload runs one worker thread (-t 1), without its single-threaded phase (-1 0)
# and without remote frees (-r 0), for three reasons:
#  - the provider is loaded in hakmem's constructor, after lttng-ust's own start-up
#    allocations, so the slabs those used were acquired before the trace begins and a
#    replay of the trace cannot check their blocks (docs/TRIAGE.md); the worker's slabs are
#    all acquired in the trace;
#  - a remote push records its link write after the fact, so a fault on one would not be
#    in any trace (docs/TRIAGE.md);
#  - when the report's SIGABRT kills a thread in the middle of a tracepoint, its record is
#    never committed, and LTTng may then wait for it forever (lttng destroy, or the session
#    daemon's shutdown); with one thread recording, the thread that aborts is the one that
#    just finished its tracepoint. The run is then the same every time, seqs included.
# The faults are armed late enough (after=N) to fire in the worker, not during lttng-ust's
# start-up, and early enough to fire before the worker ends.
#
# The channel is blocking (the program waits rather than lose events) with large
# sub-buffers, per user (per-process buffers of a process that died lose what was not yet
# consumed). Skipped (77) only when no session daemon can be had.
set -u
ulimit -c 0
build=${HAKMEM_BUILD:?} src=${HAKMEM_SRC:?} tmp=${TEST_TMPDIR:?}
view=$build/bin/hakmem-trace prog=$build/tests/crash_repros/crash_workload
for f in "$build/lib/libhakmem-inject.so" "$build/lib/libhakmem-lttng.so" "$view" "$prog"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
command -v python3 >/dev/null || { echo "SKIP: python3 is needed (make deps)"; exit 77; }
# shellcheck source=trace/lttng/session.bash
source "$src/trace/lttng/session.bash"
lt_traps
lt_sessiond_up || { echo "SKIP: lttng-sessiond cannot run here: $LT_ERR"; exit 77; }

mutate=${REPRO_MUTATE:-}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
jq() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v='"$2"'; print("" if v is None else v)' "$1"; }

capture() { # FAULT AFTER KIND
    local fault=$1 after=$2 kind=$3 d=$tmp/$1 s rc
    mkdir -p "$d/dumps"
    s=$(lt_unique_name "crash-$fault")
    lt_session_start "$s" "$d/lttng" "--blocking-timeout=inf --subbuf-size=4M --num-subbuf=8" 'hakmem:*' ||
        { fail "$fault: could not set up the LTTng session"; return; }
    # the library in the program's process only (timeout would be a program of the trace too)
    { (exec timeout -k 2 60 env LD_PRELOAD="$build/lib/libhakmem-inject.so" HAKMEM_INTEGRITY_LEVEL=4 HAKMEM_LTTNG=1 \
        LTTNG_UST_ALLOW_BLOCKING=1 HAKMEM_INJECT="$fault,after=$after" HAKMEM_TRACE_DUMP="$d/dumps/" \
        "$prog" -1 0 -r 0 -t 1 >"$d/out" 2>"$d/err"); } 2>/dev/null
    rc=$?
    timeout 60 lttng stop "$s" >/dev/null 2>&1 || fail "$fault: lttng stop did not finish"
    timeout 60 lttng destroy "$s" >/dev/null 2>&1 ||
        { fail "$fault: lttng destroy did not finish"; timeout 30 lttng destroy --no-wait "$s" >/dev/null 2>&1; }
    LT_SESSIONS=()
    local fired seq ptr banner
    fired=$(grep -m 1 "^hakmem-inject: fired $fault " "$d/err")
    banner=$(grep -m 1 '^hakmem: integrity violation: ' "$d/err")
    seq=$(sed -n 's/.* seq=\([0-9]*\) .*/\1/p' <<<"$fired") ptr=$(sed -n 's/.* ptr=\(0x[0-9a-f]*\)$/\1/p' <<<"$fired")
    if [ $rc -ne 134 ] || [ -z "$seq" ] || [[ $banner != "hakmem: integrity violation: $kind at "* ]]; then
        fail "$fault: exit $rc, fired '$fired', report '$banner' (expected $kind)"; sed 's/^/    | /' "$d/err" | head -n 20; return
    fi
    "$view" replay --json "$d/lttng" >"$d/lttng.json" 2>"$d/lttng.err"; rc=$?
    [ $rc -eq 3 ] || { fail "$fault: replay of the LTTng trace: exit $rc"; sed 's/^/    | /' "$d/lttng.err"; return; }
    local dump
    dump=$(sed -n 's/^hakmem: trace dump written to \(.*\)$/\1/p' "$d/err" | head -n 1)
    "$view" replay --json "$dump" >"$d/dump.json" 2>/dev/null
    local lseq lblock lout lkind levents dseq dblock
    lseq=$(jq "$d/lttng.json" '(d["finding"]["culprit"] or {}).get("seq")')
    lout=$(jq "$d/lttng.json" '(d["finding"]["culprit"] or {}).get("outside_trace")')
    lblock=$(jq "$d/lttng.json" '(d["finding"]["block"] or {}).get("base")')
    lkind=$(jq "$d/lttng.json" 'd["finding"]["kind"]')
    levents=$(jq "$d/lttng.json" 'd["events"]')
    dseq=$(jq "$d/dump.json" '(d["finding"]["culprit"] or {}).get("seq")')
    dblock=$(jq "$d/dump.json" '(d["finding"]["block"] or {}).get("base")')
    [ "$mutate" = lttng ] && seq=$((seq + 1))
    if [ "$lseq" != "$seq" ] || [ "$lout" != False ] || [ "$lblock" != "$ptr" ]; then
        fail "$fault: from LTTng ($levents events): culprit seq $lseq in block $lblock, expected the fired seq $seq in $ptr"
        "$view" replay --history 6 "$d/lttng" 2>&1 | head -n 20 | sed 's/^/    | /'
        return
    fi
    [ "$dseq" = "$lseq" ] && [ "$dblock" = "$lblock" ] ||
        { fail "$fault: the dump's culprit ($dseq, $dblock) differs from LTTng's ($lseq, $lblock)"; return; }
    echo "ok: $fault: LTTng trace ($levents events): $lkind, culprit seq $lseq = fired seq, block $lblock; the dump agrees"
}

capture next_offset 2000 next_misaligned
capture user_as_base 1000 user_base_mismatch
capture drain_no_count 100 slab_meta_invariant
[ $fails -eq 0 ] && echo "lttng_captures: ok" || echo "lttng_captures: $fails failed"
[ $fails -eq 0 ]
