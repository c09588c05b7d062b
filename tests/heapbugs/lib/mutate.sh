#!/usr/bin/env bash
# Shows that every assertion of the heap-bug tests can fail (not part of make check; run
# by hand: HAKMEM_BUILD=build bash tests/heapbugs/lib/mutate.sh [SCRIPT...]).
#  - each script of the table below is run once per mutation of lib/common.bash
#    (HEAPBUG_MUTATE: one expectation made wrong on purpose) and must fail;
#  - symbols.sh must fail on a build whose libhakmem-l0.so is really a checked library,
#    and whose libhakmem-l4.so lacks the quarantine;
#  - levels.sh must fail when libhakmem-l1.so is really the level-2 build, and when the
#    run-time library is a fixed-level one;
#  - uaf_read.sh must fail when guarded mode does not exist (a library capped at level 3),
#    and when hakmem talks of HAKMEM_GUARD but reports nothing (guard_word).
# Prints one line per case; exits 0 when every case failed as it should.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${HAKMEM_BUILD:-$here/../../build}" && pwd)
mutations="kind site level first_line count abort_rc exit_rc survive below dump alloc_stack free_stack json_key json_kind"
scripts=${*:-double_free overflow_1 uaf_write_immediate foreign_free_stack realloc_freed overread}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapbug-mutate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bad=0 n=0

expect_failure() { # LABEL CMD...: the command must exit neither 0 nor 77
    local label=$1 rc; shift
    mkdir -p "$tmp/t"
    "$@" >"$tmp/log" 2>&1
    rc=$?
    n=$((n + 1))
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        printf 'caught   %-40s %s\n' "$label" "$(grep -m 1 '^FAIL' "$tmp/log" | cut -c1-110)"
    else
        printf 'MISSED   %-40s (exit %d)\n' "$label" $rc
        bad=1
    fi
    rm -rf "$tmp/t"
}

for s in $scripts; do
    # the unmutated script must pass, or a mutation proves nothing
    if ! TEST_TMPDIR=$tmp/t HAKMEM_BUILD=$b bash "$here/$s.sh" >"$tmp/log" 2>&1; then
        echo "SKIPPED  $s: fails without a mutation"; rm -rf "$tmp/t"; continue
    fi
    rm -rf "$tmp/t"
    ms=$mutations
    grep -q HAKMEM_GUARD "$here/$s.sh" && ms="$ms guard_word"
    for m in $ms; do
        expect_failure "$s/$m" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$b" HEAPBUG_MUTATE=$m bash "$here/$s.sh"
    done
done

# a fake build tree: every file of the real one, some libraries swapped
fake() { # NAME=TARGET...: build/lib/NAME is build/lib/TARGET
    rm -rf "$tmp/build"; mkdir -p "$tmp/build/lib"
    ln -s "$b/tests" "$tmp/build/tests"; ln -s "$b/obj" "$tmp/build/obj"
    for f in "$b"/lib/*; do ln -s "$f" "$tmp/build/lib/"; done
    local a
    for a in "$@"; do ln -sfn "$b/lib/${a#*=}" "$tmp/build/lib/${a%%=*}"; done
}
fake libhakmem-l0.so=libhakmem-l1.so
expect_failure "symbols/l0-has-checks" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/symbols.sh"
fake libhakmem-l4.so=libhakmem-l3.so
expect_failure "symbols/l4-no-quarantine" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/symbols.sh"
fake libhakmem-l3.so=libhakmem-l0.so
expect_failure "symbols/l3-no-rings" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/symbols.sh"
# guarded mode missing (the run-time library is one capped below level 4)
fake libhakmem.so=libhakmem-l3.so libhakmem-l4.so=libhakmem-l3.so
expect_failure "uaf_read/no-guarded-mode" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/uaf_read.sh"
fake libhakmem-l1.so=libhakmem-l2.so
expect_failure "levels/l1-is-l2" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/levels.sh"
fake libhakmem.so=libhakmem-l2.so
expect_failure "levels/runtime-is-l2" env TEST_TMPDIR="$tmp/t" HAKMEM_BUILD="$tmp/build" bash "$here/levels.sh"

echo "$n cases; $([ $bad = 0 ] && echo 'every one failed as it should' || echo 'SOME WERE MISSED')"
exit $bad
