#!/usr/bin/env bash
# Regenerates the event table of docs/EVENTS.md from trace/events.def (the one schema).
# With --check, exits 1 when the document is out of date instead of writing it.
set -eu
cd "$(dirname "$0")/.."
doc=docs/EVENTS.md
table=$(
    echo "| number | event | LTTng name | fields |"
    echo "|---|---|---|---|"
    sed -n 's/^HAK_EVENT(\([a-z_]*\), *\([0-9]*\), *"\(.*\)")$/| \2 | \1 | hakmem:\1 | \3 |/p' trace/events.def
)
new=$(awk -v table="$table" '
    /<!-- BEGIN GENERATED/ { print; print table; skip = 1; next }
    /<!-- END GENERATED/ { skip = 0 }
    !skip { print }' "$doc")
if [ "${1:-}" = --check ]; then
    [ "$new" = "$(cat "$doc")" ] || { echo "$doc is out of date: run tools/gen-events-doc.sh"; exit 1; }
    echo "$doc matches trace/events.def"
else
    printf '%s\n' "$new" >"$doc"
fi
