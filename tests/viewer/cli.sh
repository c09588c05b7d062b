#!/usr/bin/env bash
# The command line: usage errors, exit codes, --json documents of every command, export
# formats that other tools can load.
. "$(dirname "$0")/lib.bash"
f=$T/t.htrace
"$GEN" -o "$f" --threads 3 --ops 3000 --live 200 --seed 11 >"$T/truth"
events=$(truth "$T/truth" events)

"$VIEW" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no command: exit 2" || bad "no command"
"$VIEW" frobnicate "$f" >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown command: exit 2" || bad "unknown command"
"$VIEW" replay >/dev/null 2>&1; [ $? -eq 2 ] && ok "no INPUT: exit 2" || bad "no INPUT"
"$VIEW" tail -n zero "$f" >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad -n: exit 2" || bad "bad -n"
"$VIEW" export "$f" >/dev/null 2>&1; [ $? -eq 2 ] && ok "export without --format: exit 2" || bad "export without --format"
"$VIEW" history nothex "$f" >/dev/null 2>&1; [ $? -eq 2 ] && ok "history with a bad ADDR: exit 2" || bad "history ADDR"
"$VIEW" --help | grep -q "replay" && ok "--help lists the commands" || bad "--help"

for c in "summary" "replay" "tail -n 7" "tail -n 3 --thread 2" "history 0x7f3000010000" "export --format jsonl" "export --format chrome"; do
    # shellcheck disable=SC2086
    "$VIEW" $c --json "$f" >"$T/doc.json"; rc=$?
    if [ $rc -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/doc.json" 2>/dev/null; then ok "$c --json: one JSON document"
    else bad "$c --json: exit $rc, not one JSON document"; fi
done
[ "$(jget "$T/doc.json" 'len(d["traceEvents"])')" = "$events" ] && ok "chrome export: $events events" || bad "chrome export count"
"$VIEW" export --format chrome "$f" >"$T/chrome.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["traceEvents"]; assert all(x["ph"]=="i" and "ts" in x and "tid" in x for x in e)' "$T/chrome.json" &&
    ok "chrome export: instant events with ts and tid" || bad "chrome export shape"
"$VIEW" export --format jsonl "$f" >"$T/e.jsonl"
[ "$(wc -l <"$T/e.jsonl")" = "$events" ] && ok "jsonl export: one line per event" || bad "jsonl line count"
python3 -c '
import json,sys
prev=0
for line in open(sys.argv[1]):
    e=json.loads(line); assert e["seq"]>prev; prev=e["seq"]
' "$T/e.jsonl" && ok "jsonl export: every line JSON, in seq order" || bad "jsonl content"
[ "$(jget <("$VIEW" summary --json "$f") 'd["events"]')" = "$events" ] && ok "summary counts every event" || bad "summary count"
"$VIEW" tail -n 4 --thread 2 --json "$f" >"$T/tail.json"
[ "$(jget "$T/tail.json" 'sorted(set(e["tid"] for e in d["events"]))')" = "[2]" ] && [ "$(jget "$T/tail.json" 'len(d["events"])')" = 4 ] &&
    ok "tail --thread keeps one thread" || bad "tail --thread"
"$VIEW" replay "$f" >/dev/null; [ $? -eq 0 ] && ok "replay of a clean trace: exit 0" || bad "clean replay exit"
finish
