#!/usr/bin/env bash
# The crash repros can fail: each NAME:MUTATION below runs tests/crash_repros/NAME.sh with
# REPRO_MUTATE=MUTATION, which breaks one expectation on purpose (lib/repro.bash), and the
# script must then exit 1 with a FAIL line naming what broke.
set -u
here=$(cd "$(dirname "$0")" && pwd)
T=${TEST_TMPDIR:?}
fails=0 n=0
for c in next_offset:outcome next_offset:kind next_offset:culprit next_offset:latency next_offset:json \
    user_as_base:order user_as_base:block user_as_base:below missing_header:culprit \
    uaf_fake_link:culprit lttng_captures:lttng; do
    name=${c%%:*} m=${c#*:}
    mkdir -p "$T/$name-$m"
    REPRO_MUTATE=$m TEST_TMPDIR=$T/$name-$m bash "$here/$name.sh" >"$T/$name-$m.log" 2>&1
    rc=$?
    n=$((n + 1))
    if [ $rc -eq 77 ]; then
        echo "note: $name with REPRO_MUTATE=$m skipped: $(tail -n 1 "$T/$name-$m.log")"
    elif [ $rc -eq 1 ] && grep -q '^FAIL' "$T/$name-$m.log"; then
        echo "ok: $name with REPRO_MUTATE=$m fails: $(grep -m 1 '^FAIL' "$T/$name-$m.log" | cut -c1-150)"
    else
        echo "FAIL: $name with REPRO_MUTATE=$m: exit $rc, expected 1 with a FAIL line"
        tail -n 15 "$T/$name-$m.log" | sed 's/^/    | /'
        fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ] && echo "mutations: all $n fail as they must" || echo "mutations: $fails of $n did not fail"
[ $fails -eq 0 ]
