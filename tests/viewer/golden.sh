#!/usr/bin/env bash
# Golden outputs: each command on two small fixed traces (a clean one, and one with a
# double free), compared byte for byte with tests/viewer/golden/. After an intended
# change of output: UPDATE_GOLDEN=1 (with HAKMEM_SRC, HAKMEM_BUILD set) rewrites them.
. "$(dirname "$0")/lib.bash"
G=$HAKMEM_SRC/tests/viewer/golden
cd "$T" || exit 1
"$GEN" -o fixed.htrace --threads 2 --ops 60 --live 24 --seed 3 --level 2 >/dev/null
"$GEN" -o tiny.htrace --threads 2 --ops 6 --live 4 --seed 3 --level 0 >/dev/null
"$GEN" -o dfree.htrace --threads 2 --ops 400 --live 24 --seed 5 --level 1 --inject double_free --at 900 --after 20 >/dev/null

run() { # name command...
    local name=$1; shift
    "$@" >"$T/$name" 2>&1
    echo "exit $?" >>"$T/$name"
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then mkdir -p "$G"; cp "$T/$name" "$G/$name"; ok "$name updated"; return; fi
    if cmp -s "$T/$name" "$G/$name"; then ok "$name"
    else bad "$name differs:"; diff -u "$G/$name" "$T/$name" | head -30; fi
}
run summary.txt "$VIEW" summary fixed.htrace
run summary.json "$VIEW" summary --json fixed.htrace
run tail.txt "$VIEW" tail -n 12 fixed.htrace
run tail-thread.json "$VIEW" tail -n 3 --thread 2 --json fixed.htrace
run history.txt "$VIEW" history 0x7f3000120008 dfree.htrace
run history.json "$VIEW" history --json 0x7f30001c0010 fixed.htrace
run history-none.txt "$VIEW" history 0x1234 fixed.htrace
run export.jsonl "$VIEW" export --format jsonl tiny.htrace
run export-chrome.json "$VIEW" export --format chrome tiny.htrace
run replay-clean.txt "$VIEW" replay fixed.htrace
run replay-dfree.txt "$VIEW" replay dfree.htrace
run replay-dfree.json "$VIEW" replay --json dfree.htrace
finish
