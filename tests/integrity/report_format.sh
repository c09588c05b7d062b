#!/usr/bin/env bash
# Violation reports: format (text and JSON), HAKMEM_ON_VIOLATION, a violation while reporting.
set -u
bin=$HAKMEM_BUILD/tests/integrity/report_format
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
ulimit -c 0
fail=0
bad() { echo "FAIL: $*"; fail=1; }
has() { grep -qE -- "$2" "$1" || bad "$1 lacks: $2"; }
count() { grep -cE -- "$2" "$1"; }

# ---- format: two reports, HAKMEM_ON_VIOLATION=report, to a file and to JSON lines ----
env HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_ON_VIOLATION=report HAKMEM_REPORT=report.txt HAKMEM_REPORT_JSON=report.jsonl \
    "$bin" format >out.txt 2>err.txt
rc=$?
cat out.txt report.txt
[ $rc -eq 0 ] || bad "format: exit $rc"
[ -s err.txt ] && { bad "format: stderr not empty"; cat err.txt; }
read -r _ base _ ptr _ cls _ stride _ slab _ tid <out.txt
r=report.txt
[ "$(stat -c %a $r)" = 600 ] || bad "report mode $(stat -c %a $r)"
[ "$(head -n 1 $r)" = "hakmem: integrity violation: canary_overflow at free (level 2, thread $tid, op $(sed -n 's/.*(level 2, thread [0-9]*, op \([0-9]*\))$/\1/p' $r | head -n1))" ] ||
    bad "first line: $(head -n 1 $r)"
has $r "^hakmem: integrity violation: canary_overflow at free \(level 2, thread $tid, op [0-9]+\)$"
has $r "^hakmem:   the tail sentinel after the requested size was overwritten$"
has $r "^hakmem:   pointer $ptr = block base $base \+ 16$"
has $r "^hakmem:   class $cls: size [0-9]+, stride $stride, user offset 16$"
has $r "^hakmem:   requested size 24$"
has $r "^hakmem:   slab $slab: #[0-9]+ of superslab 0x[0-9a-f]+, class $cls, owner thread $tid, used [0-9]+, free [0-9]+, capacity [0-9]+$"
has $r "^hakmem:   tail sentinel byte: expected 0xcc, found 0x41$"
has $r "^hakmem:   first bad byte at 0x[0-9a-f]+ \(base \+ 40\): 0x41$"
has $r "^hakmem:   block bytes \(stride $stride\):$"
has $r "^hakmem:     header   $base \+0     "
has $r "^hakmem:     object   $ptr \+16    75 75 75 75 75 75 75 75 75 75 75 75 75 75 75 75  \|uuuuuuuuuuuuuuuu\|$"
has $r "^hakmem:     redzone  0x[0-9a-f]+ \+40    41 42 "
has $r "^hakmem:   allocated at:$"
has $r "^hakmem:     #0 0x[0-9a-f]+ allocating_function\+0x[0-9a-f]+ \(.*report_format\)$"
has $r "^hakmem:     #1 0x[0-9a-f]+ main\+0x[0-9a-f]+ \(.*report_format\)$"
has $r "^hakmem:   freed at:$"
has $r "^hakmem:     #0 0x[0-9a-f]+ freeing_function\+0x"
has $r "^hakmem: integrity violation: double_free at free \(level 2, thread $tid, op [0-9]+\)$"
[ "$(count $r '^hakmem: integrity violation:')" = 2 ] || bad "two reports expected"
[ "$(count $r 'allocated at:')" = 1 ] || bad "the second report has no stacks"
[ "$(stat -c %a report.jsonl)" = 600 ] || bad "json mode"
python3 - "$ptr" "$base" "$cls" "$stride" "$tid" <<'PY' || bad "JSON"
import json, sys
ptr, base, cls, stride, tid = sys.argv[1:]
lines = open("report.jsonl").read().splitlines()
assert len(lines) == 2, lines
for line, kind in zip(lines, ["canary_overflow", "double_free"]):
    d = json.loads(line)
    for k in "kind site level tid seq ptr base class stride expected found alloc_stack free_stack dump".split():
        assert k in d, k
    assert d["kind"] == kind and d["site"] == "free" and d["level"] == 2 and d["tid"] == int(tid), d
    assert d["ptr"] == ptr and d["base"] == base and d["class"] == int(cls) and d["stride"] == int(stride), d
    assert d["dump"] is None, d
d0, d1 = (json.loads(l) for l in lines)
assert d0["expected"] == "0xcc" and d0["found"] == "0x41", d0
assert "allocating_function+0x" in d0["alloc_stack"][0] and "freeing_function+0x" in d0["free_stack"][0], d0
assert d1["alloc_stack"] == [] and d1["free_stack"] == [], d1
print("json ok")
PY

# ---- exit:N ----
env HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_ON_VIOLATION=exit:42 "$bin" exit >out.txt 2>err.txt
rc=$?
[ $rc -eq 42 ] || bad "exit:42 gave $rc"
[ "$(count err.txt '^hakmem: integrity violation: canary_overflow at free')" = 1 ] || bad "exit: one report on stderr"

# ---- abort (the default): one report, no second one from the SIGABRT handler, dies of SIGABRT ----
{ bash -c 'HAKMEM_INTEGRITY_LEVEL=2 exec "$0" abort >out.txt 2>err.txt' "$bin"; } 2>/dev/null
rc=$?
[ $rc -eq 134 ] || bad "abort: exit $rc, expected 134 (SIGABRT)"
[ "$(count err.txt '^hakmem: integrity violation: ')" = 1 ] || bad "abort: one report expected"
grep -q "fatal signal" err.txt && bad "abort: the handler reported hak_report's own SIGABRT"

# ---- a violation while reporting: one line, then SIGABRT ----
{ bash -c 'HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_ON_VIOLATION=report exec "$0" recursive >out.txt 2>err.txt' "$bin"; } 2>/dev/null
rc=$?
[ $rc -eq 134 ] || bad "recursive: exit $rc, expected 134"
cat err.txt
[ "$(cat err.txt)" = "hakmem: integrity violation: canary_overflow at free while reporting another; aborting" ] ||
    bad "recursive: one line expected"

[ $fail -eq 0 ] && echo "report_format: ok"
exit $fail
