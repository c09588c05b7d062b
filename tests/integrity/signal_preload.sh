#!/usr/bin/env bash
# The fatal-signal handler under LD_PRELOAD=libhakmem.so at the default level: the line,
# a backtrace naming the crashing function, death by the same signal; a handler the
# program installs later wins.
set -u
bin=$HAKMEM_BUILD/tests/integrity/signal_program
lib=${HAKMEM_LIB:-$HAKMEM_BUILD/lib/libhakmem.so}
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
[ -e "$lib" ] || { echo "FAIL: $lib is missing (make)"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
ulimit -c 0
fail=0
bad() { echo "FAIL: $*"; fail=1; }

run() { # mode expected-status
    { bash -c 'LD_PRELOAD="$1" exec "$2" "$3" >out.txt 2>err.txt' _ "$lib" "$bin" "$1"; } 2>/dev/null
    rc=$?
    [ $rc -eq 77 ] && { echo "FAIL: $(cat out.txt)"; exit 1; }
    echo "--- $1: exit $rc"; cat err.txt
    [ $rc -eq "$2" ] || bad "$1: exit $rc, expected $2"
}

run segv 139
grep -qx "hakmem: fatal signal SIGSEGV at 0x10" err.txt || bad "segv: the fatal-signal line"
grep -qx "hakmem: backtrace:" err.txt || bad "segv: no backtrace"
grep -qE "^hakmem:   #0 0x[0-9a-f]+ crash_here\+0x[0-9a-f]+ \(.*signal_program\)$" err.txt || bad "segv: frame #0 is not crash_here"
grep -qE "^hakmem:   #1 0x[0-9a-f]+ main\+0x" err.txt || bad "segv: frame #1 is not main"

run thread 139
grep -qx "hakmem: fatal signal SIGSEGV at 0x10" err.txt || bad "thread: the fatal-signal line"
grep -qE "^hakmem:   #1 0x[0-9a-f]+ thread_main\+0x" err.txt || bad "thread: frame #1 is not thread_main"

run overflow 139
grep -qE "^hakmem: fatal signal SIGSEGV at 0x[0-9a-f]+$" err.txt || bad "overflow: the fatal-signal line"
grep -qE "^hakmem:   #0 0x[0-9a-f]+ recurse_forever\+0x" err.txt || bad "overflow: frame #0 is not recurse_forever"

run fpe 136
grep -qE "^hakmem: fatal signal SIGFPE at 0x[0-9a-f]+$" err.txt || bad "fpe: the fatal-signal line"
grep -qE "^hakmem:   #0 0x[0-9a-f]+ divide_here\+0x" err.txt || bad "fpe: frame #0 is not divide_here"

run abort 134
grep -qE "^hakmem: fatal signal SIGABRT at 0x[0-9a-f]+$" err.txt || bad "abort: the fatal-signal line"
grep -qE "^hakmem:   #[0-9]+ 0x[0-9a-f]+ abort_here\+0x" err.txt || bad "abort: abort_here is not in the backtrace"
[ "$(grep -c '^hakmem: fatal signal' err.txt)" = 1 ] || bad "abort: one fatal-signal report expected"

run own 0
[ "$(cat out.txt)" = "recovered 3 times" ] || bad "own: $(cat out.txt)"
[ -s err.txt ] && bad "own: hakmem spoke though the program's handler was installed after start-up"

[ $fail -eq 0 ] && echo "signal_preload: ok"
exit $fail
