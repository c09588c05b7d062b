#!/usr/bin/env bash
# The test runner behind `make check`.
#
# What runs, by folder:
#   tests/unit/NAME.c      white-box tests linked with libhakmem.a: run once, directly.
#   tests/api/NAME.c       programs using the plain C allocation API: run once per library
#                          configuration below, with that library in LD_PRELOAD; unless a
#                          script tests/api/NAME.sh exists, which then runs it its own way.
#   tests/*/NAME.sh        scripts: run once, with the environment described below.
#   tests/*/NAME.so.c      helper shared objects for other tests: never run.
# A test passes with exit 0, is skipped with exit 77, and fails otherwise (or after
# TEST_TIMEOUT seconds). Each run's output goes to build/test-logs/; a failure prints its tail.
#
# Scripts and api tests see:
#   HAKMEM_SRC    the source tree          HAKMEM_BUILD  the build tree
#   HAKMEM_LIB    the library under test   TEST_TMPDIR   an empty directory of their own
#
# Usage: tests/run.sh [FILTER]   (FILTER: run only tests whose name contains it)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${HAKMEM_BUILD:-$src/build}
filter=${1:-}
timeout_s=${TEST_TIMEOUT:-600}
logs=$build/test-logs
rm -rf "$logs"; mkdir -p "$logs"

# name:library:environment, the ways an api test is run.
configs=(
    "l0:libhakmem-l0.so:"
    "rt:libhakmem.so:"
    "rt4:libhakmem.so:HAKMEM_INTEGRITY_LEVEL=4"
)
[ -n "${HAKMEM_TEST_CONFIGS:-}" ] && read -r -a configs <<<"$HAKMEM_TEST_CONFIGS"

pass=0 fail=0 skip=0 failed=()

run_one() { # label log cmd...
    local label=$1 log=$2; shift 2
    local t0=$SECONDS tmp rc
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-test.XXXXXX")
    mkdir -p "$(dirname "$log")"
    (cd "$tmp" && TEST_TMPDIR=$tmp HAKMEM_SRC=$src HAKMEM_BUILD=$build \
        timeout -k 10 "$timeout_s" "$@") >"$log" 2>&1
    rc=$?
    rm -rf "$tmp"
    local dt=$((SECONDS - t0))
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); printf 'PASS %s (%ds)\n' "$label" "$dt"
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1)); printf 'SKIP %s: %s\n' "$label" "$(tail -n 1 "$log")"
    else
        fail=$((fail + 1)); failed+=("$label")
        [ $rc -eq 124 ] && echo "timed out after ${timeout_s}s" >>"$log"
        printf 'FAIL %s (exit %d, %ds)\n' "$label" "$rc" "$dt"
        tail -n 15 "$log" | sed 's/^/    | /'
    fi
}

matches() { [ -z "$filter" ] || [[ $1 == *"$filter"* ]]; }

for f in "$src"/tests/unit/*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c); [[ $n == *.so ]] && continue
    matches "unit/$n" || continue
    run_one "unit/$n" "$logs/unit/$n.log" env HAKMEM_LIB="$build/lib/libhakmem.so" "$build/tests/unit/$n"
done

for f in "$src"/tests/api/*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c); [[ $n == *.so ]] && continue
    [ -e "${f%.c}.sh" ] && continue
    for c in "${configs[@]}"; do
        IFS=: read -r cname clib cenv <<<"$c"
        matches "api/$n[$cname]" || continue
        # shellcheck disable=SC2086
        run_one "api/$n[$cname]" "$logs/api/$n.$cname.log" \
            env $cenv HAKMEM_LIB="$build/lib/$clib" LD_PRELOAD="$build/lib/$clib" "$build/tests/api/$n"
    done
done

for f in "$src"/tests/*/*.sh; do
    [ -e "$f" ] || continue
    fam=$(basename "$(dirname "$f")"); n=$(basename "$f" .sh)
    matches "$fam/$n" || continue
    run_one "$fam/$n" "$logs/$fam/$n.log" env HAKMEM_LIB="$build/lib/libhakmem.so" bash "$f"
done

if [ $fail -gt 0 ]; then
    echo; echo "failed:"; printf '  %s\n' "${failed[@]}"; echo "logs: $logs"
fi
if [ $skip -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
else
    echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
