#!/usr/bin/env bash
# The level machinery, seen from heap bugs:
#  - libhakmem-l1.so with HAKMEM_INTEGRITY_LEVEL=4 prints exactly one line
#    `hakmem: HAKMEM_INTEGRITY_LEVEL=4 capped at 1 by libhakmem-l1.so` and behaves as
#    level 1: a double free is reported at level 1, a level-2 bug (an overflow) is not,
#    a pointer written over a free block's first bytes is a level-1 freelist_corrupt (not
#    level 2's use_after_free_write), no trace dump, no stacks; the same cap line for
#    every fixed build below the level asked for;
#  - an invalid HAKMEM_INTEGRITY_LEVEL (9, 5, -1, two, 2x) prints one line naming it and
#    the default, and level 1 is used: the same three bugs behave as at level 1.
set -u
b=${HAKMEM_BUILD:?}
t=$b/tests/heapbugs
cd "${TEST_TMPDIR:?}" || exit 1
ulimit -c 0
for f in "$t/double_free" "$t/overflow" "$t/fake_next" "$b/lib/libhakmem.so" "$b/lib/libhakmem-l1.so"; do
    [ -e "$f" ] || { echo "missing $f"; exit 1; }
done
fail=0
bad() { echo "FAIL: $*"; fail=1; }
n=0
# run LIB LEVEL-VALUE ON-VIOLATION PROG ARGS...: stderr in err, stdout in out, status in
# rc (a directory of its own)
run() {
    local lib=$1 v=$2 on=$3; shift 3
    n=$((n + 1)); mkdir -p "run$n"
    { (cd "run$n" && exec timeout -k 2 10 env LD_PRELOAD="$lib" HAKMEM_INTEGRITY_LEVEL="$v" \
        HAKMEM_ON_VIOLATION="$on" "$@" >out 2>err); } 2>/dev/null
    rc=$?
    err=run$n/err out=run$n/out
}
banner() { grep '^hakmem: integrity violation:' "$err"; }
show() { sed 's/^/    | /' "$err" | head -n 20; }

# as_level1 WHAT LIB VALUE NOTICE-REGEX: the three bugs behave as at level 1; the only
# other line from hakmem is one matching NOTICE-REGEX, first and once
as_level1() {
    local what=$1 lib=$2 v=$3 notice=$4 re
    run "$lib" "$v" report "$t/double_free"
    [[ $(head -n 1 "$err") =~ $notice ]] || { bad "$what: first line is not /$notice/"; show; }
    [ "$(grep -cE "$notice" "$err")" = 1 ] || bad "$what: the notice is printed $(grep -cE "$notice" "$err") times"
    re='^hakmem: integrity violation: double_free at front_free \(level 1, thread [0-9]+, op [0-9]+\)$'
    [[ $(sed -n 2p "$err") =~ $re ]] || { bad "$what: double free: second line is not /$re/"; show; }
    [ "$(grep -c '^hakmem: integrity violation:' "$err")" = 1 ] || bad "$what: double free: one report expected"
    grep -q '^hakmem:   allocated at:' "$err" && bad "$what: stacks at level 1"
    grep -q '^hakmem: trace dump written' "$err" && bad "$what: a trace dump at level 1"
    [ $rc = 0 ] || bad "$what: double free under report: exit $rc"

    run "$lib" "$v" abort "$t/overflow" 16
    [ "$(wc -l <"$err")" = 1 ] && [[ $(cat "$err") =~ $notice ]] ||
        { bad "$what: overflow: stderr should be the notice alone (level 1 does not see it)"; show; }
    [ $rc = 0 ] || bad "$what: overflow: exit $rc"

    run "$lib" "$v" report "$t/fake_next" outside
    re='^hakmem: integrity violation: freelist_corrupt at front_malloc \(level 1, thread [0-9]+, op [0-9]+\)$'
    [[ $(banner) =~ $re ]] || { bad "$what: fake next pointer: not /$re/"; show; }
    [[ $(head -n 1 "$err") =~ $notice ]] || bad "$what: fake next pointer: first line is not the notice"
    echo "ok: $what: '$(head -n 1 "$err")', then level 1"
}

as_level1 "libhakmem-l1.so, level 4" "$b/lib/libhakmem-l1.so" 4 \
    '^hakmem: HAKMEM_INTEGRITY_LEVEL=4 capped at 1 by libhakmem-l1\.so$'

# every fixed build below the level asked: the same line
for l in 0 1 2 3; do
    for want in 2 3 4; do
        [ $want -gt $l ] || continue
        run "$b/lib/libhakmem-l$l.so" $want report "$t/overflow" 1
        line="hakmem: HAKMEM_INTEGRITY_LEVEL=$want capped at $l by libhakmem-l$l.so"
        [ "$(head -n 1 "$err")" = "$line" ] && [ "$(grep -cF "capped" "$err")" = 1 ] ||
            { bad "libhakmem-l$l.so, level $want: no single line '$line'"; show; }
    done
done
echo "ok: every fixed build prints one cap line when asked for more"

for v in 9 5 -1 two 2x; do
    # one line naming the variable, the value and the default in force (its wording is free)
    as_level1 "HAKMEM_INTEGRITY_LEVEL='$v'" "$b/lib/libhakmem.so" "$v" \
        "^hakmem: .*HAKMEM_INTEGRITY_LEVEL.*'?$v'?.*[^0-9.]1\\b"
done

[ $fail = 0 ] && echo "levels: ok"
exit $fail
