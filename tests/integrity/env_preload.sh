#!/usr/bin/env bash
# Bad HAKMEM_* values under LD_PRELOAD: exactly one line each on stderr, the program runs
# normally. Good values: nothing on stderr.
set -u
bin=$HAKMEM_BUILD/tests/integrity/env_program
lib=${HAKMEM_LIB:-$HAKMEM_BUILD/lib/libhakmem.so}
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
[ -e "$lib" ] || { echo "FAIL: $lib is missing (make)"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
fail=0

run() { # expected-stderr-file env...
    local want=$1; shift
    env -i PATH="$PATH" "$@" LD_PRELOAD="$lib" "$bin" >out.txt 2>err.txt
    local rc=$?
    if [ $rc -ne 0 ] || [ "$(cat out.txt)" != "ok 1999000" ]; then
        echo "FAIL: $* : exit $rc, stdout '$(cat out.txt)'"; cat err.txt; fail=1; return
    fi
    if ! diff -u "$want" err.txt; then echo "FAIL: $* : stderr differs"; fail=1; fi
}

: >none.txt
run none.txt
run none.txt HAKMEM_INTEGRITY_LEVEL=2 HAKMEM_ON_VIOLATION=exit:3 HAKMEM_TRACE=0 HAKMEM_TRACE_RING=4096 \
    HAKMEM_TRACE_DUMP=d HAKMEM_TRACE_DUMP_AT_EXIT=0 HAKMEM_STACKS=0 HAKMEM_GUARD=0 HAKMEM_LTTNG=0 \
    HAKMEM_REPORT=r.txt HAKMEM_REPORT_JSON=r.jsonl HAKMEM_STATS=0

pid_free() { sed 's/hakmem-[0-9]*\.htrace/hakmem-PID.htrace/' "$1"; }

cat >want.txt <<'W'
hakmem: invalid HAKMEM_INTEGRITY_LEVEL='9' (expected 0..4); using 1
hakmem: invalid HAKMEM_ON_VIOLATION='explode' (expected abort, report or exit:N with N in 0..255); using abort
hakmem: invalid HAKMEM_TRACE='2' (expected 0 or 1); using 0
hakmem: invalid HAKMEM_TRACE_RING='1000' (expected a power of two from 1024 to 16777216); using 65536
hakmem: invalid HAKMEM_TRACE_DUMP='' (expected a file name); using ./hakmem-PID.htrace
hakmem: invalid HAKMEM_TRACE_DUMP_AT_EXIT='yes' (expected 0 or 1); using 0
hakmem: invalid HAKMEM_STACKS='-1' (expected 0 or 1); using 0
hakmem: invalid HAKMEM_GUARD='half' (expected 0, all or N in 1..1073741824); using 0
hakmem: invalid HAKMEM_LTTNG='on' (expected 0 or 1); using 0
hakmem: invalid HAKMEM_REPORT='' (expected a file name); using stderr
hakmem: invalid HAKMEM_REPORT_JSON='' (expected a file name); using none
hakmem: invalid HAKMEM_STATS='x' (expected 0 or 1); using 0
W
env -i PATH="$PATH" HAKMEM_INTEGRITY_LEVEL=9 HAKMEM_ON_VIOLATION=explode HAKMEM_TRACE=2 HAKMEM_TRACE_RING=1000 \
    HAKMEM_TRACE_DUMP= HAKMEM_TRACE_DUMP_AT_EXIT=yes HAKMEM_STACKS=-1 HAKMEM_GUARD=half HAKMEM_LTTNG=on \
    HAKMEM_REPORT= HAKMEM_REPORT_JSON= HAKMEM_STATS=x LD_PRELOAD="$lib" "$bin" >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && [ "$(cat out.txt)" = "ok 1999000" ] || { echo "FAIL: all bad: exit $rc"; cat err.txt; fail=1; }
pid_free err.txt >err2.txt
diff -u want.txt err2.txt || { echo "FAIL: all bad: stderr differs"; fail=1; }

# one at a time, with the level-dependent defaults resolved
echo "hakmem: invalid HAKMEM_TRACE='on' (expected 0 or 1); using 1" >want.txt
run want.txt HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE=on
echo "hakmem: invalid HAKMEM_STACKS='' (expected 0 or 1); using 1" >want.txt
run want.txt HAKMEM_INTEGRITY_LEVEL=4 HAKMEM_STACKS=
echo "hakmem: invalid HAKMEM_ON_VIOLATION='exit:-1' (expected abort, report or exit:N with N in 0..255); using abort" >want.txt
run want.txt HAKMEM_ON_VIOLATION=exit:-1

[ $fail -eq 0 ] && echo "env_preload: ok"
exit $fail
