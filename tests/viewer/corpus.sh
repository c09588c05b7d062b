#!/usr/bin/env bash
# Hostile inputs: every bad_* file of the corpus is refused with exit 1 and one line on
# stderr, by every command; odd_* files (valid structure, nonsense content) replay to
# exit 0 or 3. Nothing crashes or hangs; under valgrind (when installed) nothing reads
# or writes out of bounds either.
. "$(dirname "$0")/lib.bash"
C=$HAKMEM_SRC/tests/viewer/corpus
cmds=("summary" "replay" "tail -n 5" "history 0x7f3000000000" "export --format jsonl" "export --format chrome")

for f in "$C"/bad_* "$C"/odd_*; do
    n=$(basename "$f")
    for c in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        timeout 20 "$VIEW" $c "$f" >"$T/out" 2>"$T/err"; rc=$?
        case $n in
        bad_*)
            lines=$(wc -l <"$T/err")
            if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q "^hakmem-trace: .*$n: " "$T/err"; then :
            else bad "$c $n: exit $rc, stderr $lines lines: $(head -c 200 "$T/err")"; fi ;;
        odd_*)
            if [ $rc -eq 0 ] || [ $rc -eq 3 ]; then :; else bad "$c $n: exit $rc: $(head -c 200 "$T/err")"; fi ;;
        esac
    done
done
[ $fails -eq 0 ] && ok "corpus: $(ls "$C" | wc -l) files x ${#cmds[@]} commands"

# --json still gives one JSON document on stdout for a bad input
"$VIEW" replay --json "$C/bad_magic.htrace" >"$T/err.json" 2>/dev/null
[ "$(jget "$T/err.json" 'd["status"]')" = error ] && ok "bad input with --json: an error document" || bad "error document"

# things that are not files
mkdir -p "$T/emptydir"
"$VIEW" summary "$T/emptydir" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && ok "empty directory: exit 1 ($(cat "$T/err"))" || bad "empty directory: exit $rc"
"$VIEW" summary "$T/missing.htrace" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok "missing file: exit 1" || bad "missing file: exit $rc"
mkfifo "$T/fifo"
timeout 10 "$VIEW" summary "$T/fifo" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok "a FIFO is refused without blocking" || bad "FIFO: exit $rc"
mkdir -p "$T/badctf"; printf '/* CTF 1.8 */\ntrace { garbage' >"$T/badctf/metadata"; head -c 1000 /dev/urandom >"$T/badctf/chan_0"
timeout 20 "$VIEW" replay "$T/badctf" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && ok "broken CTF directory: exit 1" || bad "broken CTF: exit $rc: $(cat "$T/err")"

# Metadata that babeltrace2's ctf plugin lets through to a check of its library, which then
# aborts the process (babeltrace2 itself dies of SIGABRT on it): one event's fields name
# `tid` twice. The viewer refuses it like any bad input, in one line that gives the reason.
"$GEN" -o "$T/dup.htrace" --ctf "$T/dupctf" --cpus 2 --threads 2 --ops 200 --live 10 --seed 4 >/dev/null
awk '{ print } /_tid;/ && !done { print; done = 1 }' "$T/dupctf/metadata" >"$T/meta" && mv "$T/meta" "$T/dupctf/metadata"
[ "$(grep -c '_tid;' "$T/dupctf/metadata")" -gt "$(grep -c '_seq;' "$T/dupctf/metadata")" ] || bad "the field was not duplicated"
dfails=$fails
for c in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    timeout 20 "$VIEW" $c "$T/dupctf" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
        grep -q "^hakmem-trace: $T/dupctf: not a readable CTF trace: babeltrace2 aborted: Duplicate member.*name=\"tid\"" "$T/err" ||
        bad "$c, a field named twice: exit $rc, stderr: $(head -c 300 "$T/err")"
done
"$VIEW" replay --json "$T/dupctf" >"$T/dup.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/dup.json" 'd["status"]')" = error ] &&
    jget "$T/dup.json" 'd["error"]' | grep -q 'babeltrace2 aborted' || bad "a field named twice, --json: exit $rc"
[ $fails -eq $dfails ] && ok "a CTF trace that makes babeltrace2 abort: exit 1, one line ($(cut -c1-110 "$T/err")...)"

# the same under valgrind: no invalid access, no leak of note
if command -v valgrind >/dev/null; then
    vfails=0
    for f in "$C"/bad_* "$C"/odd_*; do
        timeout 60 valgrind -q --error-exitcode=99 "$VIEW" replay "$f" >/dev/null 2>"$T/vg"
        [ $? -eq 99 ] && { bad "valgrind: $(basename "$f")"; head -20 "$T/vg"; vfails=1; }
    done
    [ $vfails -eq 0 ] && ok "corpus under valgrind: no invalid access"
else
    echo "skip valgrind: not installed"
fi
finish
