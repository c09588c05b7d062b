#!/usr/bin/env bash
# HAKMEM_LTTNG=1 with no LTTng session daemon (the state of a fresh machine): lttng-ust is
# loaded, finds nobody to register with, and the program runs normally and at once (not
# after lttng-ust's registration timeout, 3 s by default), with or without threads.
#
# lttng-ust looks for a daemon in the system run directory (/var/run/lttng, any user) and,
# for a non-root user, in $LTTNG_HOME/.lttng. The latter is pointed at an empty directory
# here; a system daemon cannot be hidden that way, so if one runs, the workload runs in a
# private mount namespace with an empty /var/run/lttng, or the test is skipped.
set -u
build=${HAKMEM_BUILD:?} tmp=${TEST_TMPDIR:?}
lib=$build/lib/libhakmem.so workload=$build/tests/trace/lttng_workload
for f in "$lib" "$build/lib/libhakmem-lttng.so" "$workload"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
mkdir -p "$tmp/home"

system_daemon() {
    local pid
    pid=$(cat /var/run/lttng/lttng-sessiond.pid 2>/dev/null) && [ -n "$pid" ] && [ -d "/proc/$pid" ]
}

# Runs CMD... with no daemon to be found, output in $tmp/out; prints "MILLISECONDS EXIT".
run() {
    local t0 t1 rc
    t0=$(date +%s%N)
    if system_daemon; then
        unshare --mount sh -c 'mount -t tmpfs none /var/run/lttng && exec "$@"' sh \
            env -u LTTNG_UST_REGISTER_TIMEOUT LTTNG_HOME="$tmp/home" "$@" >"$tmp/out" 2>&1
    else
        env -u LTTNG_UST_REGISTER_TIMEOUT LTTNG_HOME="$tmp/home" "$@" >"$tmp/out" 2>&1
    fi
    rc=$?
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000000 )) $rc"
}

if system_daemon && ! unshare --mount sh -c 'mount -t tmpfs none /var/run/lttng' 2>/dev/null; then
    echo "SKIP: a system LTTng session daemon runs and cannot be hidden (needs root for unshare --mount)"
    exit 77
fi

expected=$("$workload" --threads 4 | head -n 1)   # the same work under glibc
fail=0 loaded=1
for threads in 1 4; do
    read -r ms rc < <(run env LD_PRELOAD="$lib" HAKMEM_LTTNG=1 "$workload" --threads $threads --maps)
    echo "threads=$threads: ${ms} ms, exit $rc:"; sed 's/^/    /' "$tmp/out"
    [ "$rc" = 0 ] || { echo "FAIL: exit $rc"; fail=1; }
    grep -q "${expected#*threads=4 }" "$tmp/out" || { echo "FAIL: output differs from glibc's: $expected"; fail=1; }
    [ "$ms" -lt 2500 ] || { echo "FAIL: took ${ms} ms: waiting for a daemon?"; fail=1; }
    grep -q "lttng-ust mapped: yes" "$tmp/out" || loaded=0
    if grep -q "could not be loaded" "$tmp/out"; then echo "FAIL: provider not loaded"; fail=1; fi
done
[ $fail -eq 0 ] || exit 1
if [ $loaded = 0 ]; then
    echo "FAIL: HAKMEM_LTTNG=1 did not load lttng-ust (hak_lttng_load not called?)"
    exit 1
fi
echo ok
