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
