#!/usr/bin/env bash
# No false positives at level 4: every real program of this folder again, with all checks,
# the quarantine, stacks and rings on. Output must still be byte-identical.
set -u
dir=$(dirname "$0")
fail=0
for t in "$dir"/*.sh; do
    [ "$(basename "$t")" = level4.sh ] && continue
    work=$TEST_TMPDIR/$(basename "$t" .sh)
    mkdir -p "$work"
    if (cd "$work" && TEST_TMPDIR=$work HAKMEM_INTEGRITY_LEVEL=4 bash "$t") >"$TEST_TMPDIR/out" 2>&1; then
        echo "ok   $(basename "$t" .sh) at level 4"
    else
        rc=$?
        [ $rc -eq 77 ] && { echo "skip $(basename "$t" .sh): $(tail -n 1 "$TEST_TMPDIR/out")"; continue; }
        echo "FAIL $(basename "$t" .sh) at level 4"; tail -n 30 "$TEST_TMPDIR/out"; fail=1
    fi
done
exit $fail
