#!/usr/bin/env bash
# Hostile inputs: every bad_* file of the corpus is refused with exit 1 and one line on
# stderr, by every command; odd_* files (valid structure, nonsense content) replay to
# exit 0 or 3, and their --json output is JSON; bomb_* files (a few hundred bytes to 20
# KB asking the replay's shadow heap for gigabytes) are refused by replay, in bounded
# memory. Nothing crashes or hangs; under valgrind (when installed) nothing reads or
# writes out of bounds either. Among the odd ones: odd_carve_wrap (a carve of 2^64 - 1
# blocks, whose end wraps around: the replay once looped forever on it), odd_utf8_site
# (a violation whose site name is not UTF-8).
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
[ $fails -eq 0 ] && ok "corpus: $(ls "$C"/bad_* "$C"/odd_* | wc -l) files x ${#cmds[@]} commands"

# --json output is JSON whatever bytes the trace holds (strings are escaped, bytes that are
# not UTF-8 become U+FFFD)
jfails=$fails
for f in "$C"/odd_*; do
    for c in "summary --json" "replay --json" "tail --json -n 5"; do
        # shellcheck disable=SC2086
        timeout 20 "$VIEW" $c "$f" >"$T/out.json" 2>/dev/null
        python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$T/out.json" 2>"$T/jerr" ||
            bad "$c $(basename "$f"): not JSON: $(tail -1 "$T/jerr")"
    done
done
[ $fails -eq $jfails ] && ok "odd inputs: --json output is JSON (summary, replay, tail)"

# Shadow heap bombs: bomb_carve (a slab of stride 1 and 64 Mi blocks, carved whole in one
# event), bomb_acquire (400 slab_acquire events of 64 MiB slabs, 1024 granules each),
# bomb_slab_table (the same through 300 entries of the dump's slab table). The replay
# refuses them in one line instead of taking gigabytes (2.4 GB and minutes for the worst
# before it did), here under a 1 GiB address-space limit; the other commands do not build
# the shadow heap and read them as usual.
for f in "$C"/bomb_*; do
    n=$(basename "$f")
    (ulimit -v 1048576; timeout 20 "$VIEW" replay "$f") >"$T/out" 2>"$T/err"; rc=$?
    if [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
        grep -q "^hakmem-trace: .*$n: the trace asks the shadow heap for more than [0-9]* blocks and slab granules" "$T/err"; then
        ok "$n: replay refuses it ($(cut -d: -f3 "$T/err" | cut -c1-90)...)"
    else
        bad "$n: replay exit $rc: $(head -c 300 "$T/err")"
    fi
    (ulimit -v 1048576; timeout 20 "$VIEW" summary "$f") >/dev/null 2>&1 || bad "$n: summary exit $?"
done

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

# CTF traces on which babeltrace2 itself dies (babeltrace2 TRACE too): metadata that its
# ctf plugin lets through to a check of its library, which then aborts the process (one
# event's fields name `tid` twice), or to a fault of the plugin (a clock class without a
# frequency: a division by zero, SIGFPE; event fields that are not a structure: SIGSEGV),
# or that makes it allocate without bound. The viewer refuses them like any bad input, in
# one line that gives the reason, with every command and with --json.
# babeltrace2_dies NAME WHAT AWK-EDIT-OF-THE-METADATA EXPECTED-MESSAGE-REGEX (after "INPUT: ")
babeltrace2_dies() {
    local d=$T/$1 what=$2 c rc f0=$fails
    "$GEN" -o "$d.htrace" --ctf "$d" --cpus 2 --threads 2 --ops 200 --live 10 --seed 4 >/dev/null
    awk "$3" "$d/metadata" >"$T/meta" && mv "$T/meta" "$d/metadata"
    for c in "${cmds[@]}"; do
        # shellcheck disable=SC2086
        timeout 20 "$VIEW" $c "$d" >"$T/out" 2>"$T/err"; rc=$?
        [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
            grep -q "^hakmem-trace: $d: $4" "$T/err" ||
            bad "$c, $what: exit $rc, stderr: $(head -c 300 "$T/err")"
    done
    "$VIEW" replay --json "$d" >"$T/out.json" 2>/dev/null; rc=$?
    [ $rc -eq 1 ] && [ "$(jget "$T/out.json" 'd["status"]')" = error ] &&
        jget "$T/out.json" 'd["error"]' | grep -q "$4" || bad "$what, --json: exit $rc"
    [ $fails -eq $f0 ] && ok "$what: exit 1, one line ($(cut -c1-150 "$T/err")...)"
}
babeltrace2_dies dupctf "a field named twice" '{ print } /_tid;/ && !done { print; done = 1 }' \
    'not a readable CTF trace: babeltrace2 aborted: Duplicate member.*name="tid"'
babeltrace2_dies nofreq "a clock without a frequency" '!/freq = /' 'not a readable CTF trace: babeltrace2 crashed (SIGFPE)'
babeltrace2_dies scalar "an event whose fields are an integer, not a structure" \
    '/fields := struct \{/ && !done { print "\tfields := uint32_t;"; skip = done = 1; next } skip && /\};/ { skip = 0; next } !skip' \
    'not a readable CTF trace: babeltrace2 crashed (SIGSEGV)'
# an array of 10^8 elements in every event: babeltrace2 makes an object per element before
# it reads one (gigabytes); the guard bounds its growth, glib's failed allocation traps
babeltrace2_dies bigarray "an array of 10^8 elements" '{ print } /_site;/ { print "\t\tuint8_t _arr[100000000];" }' \
    'CTF decoding failed: babeltrace2 crashed (SIGTRAP)'
# an array of 2^32 elements: the plugin faults as it decodes the first event
babeltrace2_dies hugearray "an array of 2^32 elements" '{ print } /_site;/ { print "\t\tuint8_t _arr[4294967296];" }' \
    'CTF decoding failed: babeltrace2 crashed (SIGSEGV)'
# arrays nested 45,000 deep (140 KB of metadata): the metadata parser recurses once per
# level, past the end of an 8 MiB stack; the guard's handler runs on a stack of its own
ulimit -s 8192 2>/dev/null
babeltrace2_dies deep "arrays nested 45,000 deep" \
    '{ print } /_site;/ && !done { printf "\t\tuint8_t _deep"; for (i = 0; i < 45000; i++) printf "[1]"; print ";"; done = 1 }' \
    'not a readable CTF trace: babeltrace2 crashed (SIGSEGV)'

# A CTF trace that goes bad far into it (64 bytes of 0xff in the last packet, after more
# than a reorder window of events): export --json has written events by then; its
# document still closes, with the error at its end, and the exit is 1 with one line.
"$GEN" -o "$T/late.htrace" --ctf "$T/late" --cpus 1 --threads 2 --ops 60000 --live 100 --seed 3 >/dev/null
python3 -c 'import sys; p = sys.argv[1]; d = bytearray(open(p, "rb").read()); d[-4000:-3936] = b"\xff" * 64; open(p, "wb").write(d)' "$T/late/chan_0"
for fmt in jsonl chrome; do
    "$VIEW" export --format $fmt --json "$T/late" >"$T/late.json" 2>"$T/err"; rc=$?
    got=$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(len(d.get("events", d.get("traceEvents", []))), d["status"], d["error"][:19])' "$T/late.json" 2>&1 | tail -1)
    [ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ "${got#* }" = "error CTF decoding failed" ] && [ "${got%% *}" -gt 65536 ] &&
        ok "export --format $fmt --json, CTF going bad after ${got%% *} events: a closed document ending in the error" ||
        bad "export --format $fmt --json of a CTF trace going bad late: exit $rc, $got"
done

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
