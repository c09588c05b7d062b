#!/usr/bin/env bash
# lttng-ust is loaded only on request: without HAKMEM_LTTNG=1 no liblttng-ust is mapped
# (the workload reads its own /proc/self/maps), no libhakmem library needs it, and
# libhakmem-l0.so needs nothing beyond libc. With HAKMEM_LTTNG=1 it is mapped (level 0,
# which records no events, may decline); when the provider cannot be loaded the process
# says so in one line and runs on without it.
set -u
build=${HAKMEM_BUILD:?} tmp=${TEST_TMPDIR:?}
workload=$build/tests/trace/lttng_workload
for f in "$build/lib/libhakmem.so" "$build/lib/libhakmem-l0.so" "$build/lib/libhakmem-lttng.so" "$workload"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mapped() { # LIB ENV... -> yes, no, or the failed run's stderr
    local lib=$1 out; shift
    out=$(env -u HAKMEM_LTTNG "$@" LD_PRELOAD="$lib" "$workload" --maps 2>"$tmp/err" |
        sed -n 's/^lttng-ust mapped: //p')
    echo "${out:-the workload failed: $(tail -n 3 "$tmp/err")}"
}

for lib in "$build"/lib/libhakmem.so "$build"/lib/libhakmem-l[0-4].so; do
    n=$(basename "$lib")
    r=$(mapped "$lib"); [ "$r" = no ] || bad "$n without HAKMEM_LTTNG: lttng-ust mapped: $r"
    r=$(mapped "$lib" HAKMEM_LTTNG=0); [ "$r" = no ] || bad "$n with HAKMEM_LTTNG=0: lttng-ust mapped: $r"
    if readelf -d "$lib" | grep -q 'NEEDED.*lttng'; then bad "$n links lttng-ust"; fi
done
needed=$(readelf -d "$build/lib/libhakmem-l0.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
    grep -v '^libc\.so\.\|^ld-linux' | tr '\n' ' ')
[ -z "$needed" ] || bad "libhakmem-l0.so needs more than libc: $needed"

# The failure path: a copy of libhakmem.so next to a provider that is not a library.
mkdir -p "$tmp/lib"
cp "$build/lib/libhakmem.so" "$tmp/lib/"
echo "not a library" >"$tmp/lib/libhakmem-lttng.so"
out=$(env HAKMEM_LTTNG=1 LD_PRELOAD="$tmp/lib/libhakmem.so" "$workload" --maps 2>"$tmp/err")
rc=$?
if [ "$(grep -c . "$tmp/err")" != 1 ] ||
    ! grep -q '^hakmem: HAKMEM_LTTNG=1 but libhakmem-lttng.so could not be loaded: .' "$tmp/err"; then
    bad "unloadable provider: expected one line, got:"; cat "$tmp/err"
fi
if [ $rc -ne 0 ] || ! grep -q '^lttng_workload: ' <<<"$out"; then
    bad "unloadable provider: the workload did not run on (exit $rc)"
fi
grep -q '^lttng-ust mapped: no' <<<"$out" || bad "unloadable provider: lttng-ust mapped anyway"

for lib in "$build"/lib/libhakmem.so "$build"/lib/libhakmem-l[1-4].so; do
    r=$(mapped "$lib" HAKMEM_LTTNG=1)
    [ "$r" = yes ] || bad "$(basename "$lib") with HAKMEM_LTTNG=1: lttng-ust mapped: $r $(cat "$tmp/err")"
done
# Level 0 records no events: it may decline HAKMEM_LTTNG=1, but must run.
r=$(mapped "$build/lib/libhakmem-l0.so" HAKMEM_LTTNG=1)
[ "$r" = yes ] || [ "$r" = no ] || bad "libhakmem-l0.so with HAKMEM_LTTNG=1: $r"
[ $fail -eq 0 ] || exit 1
echo "ok"
