#!/usr/bin/env bash
# docs/EVENTS.md lists exactly the events of trace/events.def, and every event number the
# viewer and the LTTng provider know comes from that file (no list written twice).
set -u
cd "$HAKMEM_SRC"
bash tools/gen-events-doc.sh --check || exit 1
n_def=$(grep -c '^HAK_EVENT(' trace/events.def)
n_doc=$(sed -n '/BEGIN GENERATED/,/END GENERATED/p' docs/EVENTS.md | grep -c '^| [0-9]')
[ "$n_def" = "$n_doc" ] || { echo "events.def has $n_def events, EVENTS.md $n_doc"; exit 1; }
echo "$n_def events documented"
