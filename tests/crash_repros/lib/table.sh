#!/usr/bin/env bash
# Prints the table of docs/TRIAGE.md from real runs: every crash repro of
# tests/crash_repros/ is run once (REPRO_TABLE collects what each measured) and the rows
# are printed as markdown. Usage, from the source tree after `make`:
#     bash tests/crash_repros/lib/table.sh
# The exit status is 1 when a repro failed (its row says FAILED).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$here/../.." && pwd)
export HAKMEM_BUILD=${HAKMEM_BUILD:-$src/build} HAKMEM_SRC=$src
rows=$(mktemp "${TMPDIR:-/tmp}/repro-table.XXXXXX")
trap 'rm -f "$rows"' EXIT
status=0
for n in next_offset user_as_base double_convert slab_index_user stride_no_header remote_sentinel \
    drain_no_count missing_header double_free_xthread uaf_fake_link; do
    t=$(mktemp -d "${TMPDIR:-/tmp}/repro-$n.XXXXXX")
    if ! REPRO_TABLE=$rows TEST_TMPDIR=$t bash "$here/$n.sh" >"$t.log" 2>&1; then
        echo "$n failed:" >&2; tail -n 20 "$t.log" >&2; status=1
    fi
    rm -rf "$t" "$t.log"
done
echo "| fault or bug | level 0 | detected at level | kind | latency (ops) | level 4: kind, latency (ops) | culprit named by the viewer (level-4 dump) | another level |"
echo "|---|---|---|---|---|---|---|---|"
while IFS=$'\t' read -r name l0 low kind lat k4 lat4 found below; do
    printf '| %s | %s | %s | %s | %s | %s, %s | %s | %s |\n' "$name" "$l0" "$low" "$kind" "$lat" "$k4" "$lat4" "$found" "${below:--}"
done <"$rows"
exit $status
