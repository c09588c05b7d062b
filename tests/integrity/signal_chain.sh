#!/usr/bin/env bash
# A handler installed before hakmem's runs after hakmem's report, with the fault intact.
set -u
bin=$HAKMEM_BUILD/tests/integrity/signal_chain
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
"$bin" 2>err.txt
rc=$?
cat err.txt
fail=0
[ $rc -eq 42 ] || { echo "FAIL: exit $rc, expected 42 from the program's handler"; fail=1; }
[ "$(head -n 1 err.txt)" = "hakmem: fatal signal SIGSEGV at 0x18" ] || { echo "FAIL: first line"; fail=1; }
grep -qE "^hakmem:   #0 0x[0-9a-f]+ fault_here\+0x" err.txt || { echo "FAIL: frame #0"; fail=1; }
[ "$(tail -n 1 err.txt)" = "program handler: signal 11 at 0x18" ] || { echo "FAIL: the program's handler"; fail=1; }
[ "$(grep -c '^hakmem: fatal signal' err.txt)" = 1 ] || { echo "FAIL: one report expected"; fail=1; }
[ $fail -eq 0 ] && echo "signal_chain: ok"
exit $fail
