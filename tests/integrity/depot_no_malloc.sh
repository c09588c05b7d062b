#!/usr/bin/env bash
# Box I never calls malloc: capture, print, symbolize, report, fatal-signal handler.
set -u
bin=$HAKMEM_BUILD/tests/integrity/depot_no_malloc
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
"$bin"
rc=$?
# the handler ran (reports, fatal signals included, go to HAKMEM_REPORT)
grep -q "^hakmem: fatal signal SIGSEGV at 0x10$" report.txt || { echo "the handler did not run"; cat report.txt; exit 1; }
[ "$(grep -c '^hakmem: integrity violation: canary_overflow at free (level 4, thread 0, op ' report.txt)" = 2 ] ||
    { echo "two reports expected"; exit 1; }
exit $rc
