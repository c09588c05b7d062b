#!/usr/bin/env bash
# The allocator built with -fsanitize=address,undefined (`make asan`): the unit tests and
# the stress tests run clean against hak_*, and ASan reports accesses to free blocks and
# headers that hakmem poisoned.
set -u
dir=$HAKMEM_BUILD/asan
[ -x "$dir/asan_poison" ] || { echo "missing $dir: run make asan"; exit 1; }
export ASAN_OPTIONS=abort_on_error=0:exitcode=66:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fail=0
for t in "$dir"/unit_* "$dir"/api_*; do
    [ -x "$t" ] || continue
    if "$t" >"$TEST_TMPDIR/out" 2>&1; then echo "ok   $(basename "$t")"
    else echo "FAIL $(basename "$t")"; tail -20 "$TEST_TMPDIR/out"; fail=1; fi
done
"$dir/asan_poison" clean >"$TEST_TMPDIR/out" 2>&1 || { echo "FAIL clean run"; cat "$TEST_TMPDIR/out"; fail=1; }
expect() { # level mode pattern
    HAKMEM_INTEGRITY_LEVEL=$1 "$dir/asan_poison" "$2" >"$TEST_TMPDIR/out" 2>&1
    local rc=$?
    if [ $rc -eq 66 ] && grep -q "$3" "$TEST_TMPDIR/out"; then echo "ok   level $1 $2: ASan: $3"
    else echo "FAIL level $1 $2: exit $rc, wanted ASan's '$3'"; head -20 "$TEST_TMPDIR/out"; fail=1; fi
}
expect 1 uaf "use-after-poison"
expect 2 uaf "use-after-poison"
expect 2 header "use-after-poison"
expect 2 overflow "use-after-poison"
exit $fail
