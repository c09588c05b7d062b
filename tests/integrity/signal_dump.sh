#!/usr/bin/env bash
# A fatal signal with the rings recording (level 3) writes a trace dump where
# HAKMEM_TRACE_DUMP says (a directory here), mode 0600, and says how to replay it.
set -u
bin=$HAKMEM_BUILD/tests/integrity/signal_program
lib=${HAKMEM_LIB:-$HAKMEM_BUILD/lib/libhakmem.so}
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
[ -e "$lib" ] || { echo "FAIL: $lib is missing (make)"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
ulimit -c 0
mkdir dumps
{ bash -c 'HAKMEM_INTEGRITY_LEVEL=3 HAKMEM_TRACE_DUMP=dumps LD_PRELOAD="$1" exec "$2" overflow >out.txt 2>err.txt' \
    _ "$lib" "$bin"; } 2>/dev/null
rc=$?
[ $rc -eq 77 ] && { echo "FAIL: $(cat out.txt)"; exit 1; }
cat err.txt
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ $rc -eq 139 ] || bad "exit $rc, expected 139"
f=$(ls dumps/hakmem-*.htrace 2>/dev/null | head -n 1)
[ -n "$f" ] || { echo "FAIL: no dump in dumps/"; exit 1; }
grep -qx "hakmem: trace dump written to $f" err.txt || bad "the dump line"
grep -qx "hakmem: replay it with: hakmem-trace replay $f" err.txt || bad "the replay line"
[ "$(stat -c %a "$f")" = 600 ] || bad "mode $(stat -c %a "$f")"
[ "$(head -c 8 "$f")" = HAKTRACE ] || bad "not a dump: $(head -c 8 "$f" | od -c | head -n 1)"
grep -qE "^hakmem:   \.\.\. [0-9]+ more frames like #[0-9]+$" err.txt || bad "the recursion is not summarized"
[ $fail -eq 0 ] && echo "signal_dump: ok"
exit $fail
