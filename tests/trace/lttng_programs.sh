#!/usr/bin/env bash
# An LTTng trace of a command that starts other programs: every process of the user writes
# to the same buffers, and a process that exec()s starts a new heap under the same pid.
# `sh -c` runs lttng_workload twice (two processes; the second forks a child that works
# too) and then exec()s it (a second program in the shell's process), all with
# HAKMEM_LTTNG=1 at level 3. With the vpid context recorded:
#   - hakmem-trace replay without --pid fails (exit 1) naming exactly five programs: the
#     shell's process twice (PID.1, PID.2), the two workloads, the forked child;
#   - each of them, chosen with --pid, replays clean, and its summary counts the
#     workload's marker allocations where there is a workload (the forked child's own
#     included: lttng-ust registers it as a process of its own, hakmem emits its geometry);
#   - --pid of the shell's process alone fails, naming its two programs; --pid of a process
#     not in the trace fails, naming the five.
# Without the vpid context the same run fails to replay, saying nothing tells the
# programs apart, and --pid says the trace does not name processes.
set -u
build=${HAKMEM_BUILD:?} src=${HAKMEM_SRC:?} tmp=${TEST_TMPDIR:?}
lib=$build/lib/libhakmem.so workload=$build/tests/trace/lttng_workload view=$build/bin/hakmem-trace
# shellcheck source=trace/lttng/session.bash
source "$src/trace/lttng/session.bash"
lt_test_setup "$lib" "$build/lib/libhakmem-lttng.so" "$workload" "$view"

# record CONTEXTS DIR: the command under a session recording hakmem:*
record() {
    local session
    session=$(lt_unique_name programs)
    LT_CONTEXTS=$1 lt_session_start "$session" "$2" "--blocking-timeout=inf" 'hakmem:*' ||
        { echo "FAIL: could not set up the session"; exit 1; }
    env LD_PRELOAD="$lib" HAKMEM_LTTNG=1 HAKMEM_INTEGRITY_LEVEL=3 LTTNG_UST_ALLOW_BLOCKING=1 \
        sh -c "'$workload' >/dev/null && '$workload' --fork >/dev/null && exec '$workload' >/dev/null" \
        >"$tmp/run.out" 2>&1
    local rc=$?
    lt_session_end "$session"
    [ $rc = 0 ] || { echo "FAIL: the command exited $rc"; cat "$tmp/run.out"; exit 1; }
}

fail=0
record vpid "$tmp/vpid"
"$view" replay "$tmp/vpid" >/dev/null 2>"$tmp/mixed.err"; rc=$?
msg=$(cat "$tmp/mixed.err")
if [ $rc != 1 ] || ! grep -q 'the trace holds the events of 5 programs; choose one with --pid:' <<<"$msg"; then
    echo "FAIL: replay of the whole trace: exit $rc, expected 1 naming 5 programs: $msg"; exit 1
fi
# the ids, in the order met: "PID.1" and "PID.2" for the shell's process, "PID" for the others
mapfile -t ids < <(sed 's/.*--pid://' <<<"$msg" | tr ',' '\n' | sed -n 's/^ *\([0-9][0-9.]*\) ([0-9]* events).*/\1/p')
shell_pid=${ids[0]%.1}
if [ ${#ids[@]} != 5 ] || [ "${ids[0]}" != "$shell_pid.1" ] || [ "${ids[4]}" != "$shell_pid.2" ]; then
    echo "FAIL: expected $shell_pid.1, three workloads, $shell_pid.2; got: ${ids[*]}"; exit 1
fi
for id in "${ids[@]}"; do
    "$view" replay --pid "$id" "$tmp/vpid" >"$tmp/r.out" 2>&1; rc=$?
    if [ $rc != 0 ]; then
        echo "FAIL: replay --pid $id: exit $rc"; head -5 "$tmp/r.out"; fail=1; continue
    fi
    # a workload's two marker allocations (11111 bytes) per thread: one thread each
    marks=$("$view" export --format jsonl --pid "$id" "$tmp/vpid" | grep -c '"op": *"alloc".*"size": *11111')
    want=2
    [ "$id" = "${ids[0]}" ] && want=0   # the shell
    if [ "$marks" != "$want" ]; then
        echo "FAIL: --pid $id: $marks marker allocations, expected $want"; fail=1
    fi
done
"$view" summary --pid "$shell_pid" "$tmp/vpid" >/dev/null 2>"$tmp/shell.err"; rc=$?
if [ $rc != 1 ] || ! grep -q "$shell_pid\.1 (.*$shell_pid\.2 (" "$tmp/shell.err"; then
    echo "FAIL: --pid $shell_pid (two programs): exit $rc: $(cat "$tmp/shell.err")"; fail=1
fi
"$view" tail --pid 1 "$tmp/vpid" >/dev/null 2>"$tmp/none.err"; rc=$?
if [ $rc != 1 ] || ! grep -q "no events of --pid 1 in the trace; its 5 programs:" "$tmp/none.err"; then
    echo "FAIL: --pid 1 (not in the trace): exit $rc: $(cat "$tmp/none.err")"; fail=1
fi

record "" "$tmp/novpid"
"$view" replay "$tmp/novpid" >/dev/null 2>"$tmp/novpid.err"; rc=$?
if [ $rc != 1 ] || ! grep -q 'the trace holds the events of [0-9]* programs (hakmem:geometry events) and nothing tells them apart' "$tmp/novpid.err"; then
    echo "FAIL: replay without vpid: exit $rc: $(cat "$tmp/novpid.err")"; fail=1
fi
"$view" replay --pid "$shell_pid" "$tmp/novpid" >/dev/null 2>"$tmp/novpid-pid.err"; rc=$?
if [ $rc != 1 ] || ! grep -q "does not say which process an event is of" "$tmp/novpid-pid.err"; then
    echo "FAIL: --pid without vpid: exit $rc: $(cat "$tmp/novpid-pid.err")"; fail=1
fi
[ $fail = 0 ] && echo "ok: 5 programs told apart (${ids[*]}), each clean; without vpid, refused"
exit $fail
