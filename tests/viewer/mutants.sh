#!/usr/bin/env bash
# Mutated traces, the same every run (mutate.py with a fixed seed): 200 mutants of a dump
# and 200 of a CTF trace directory (half of them with mutated metadata), each through
# replay (with and without --json), summary --json and tail --json. Every run exits 0, 1
# or 3 (3 from replay only) within 10 s, never by a signal; exit 1 comes with exactly one
# line on stderr, "hakmem-trace: INPUT: why"; whatever the exit, the --json output is one
# JSON document. A failure names its mutant (mh/mNNNN: the dump's, mc/mNNNN: the CTF
# trace's); the seeds are fixed, so running this script by hand keeps them to look at (in
# TEST_TMPDIR, or in the temporary directory it makes).
. "$(dirname "$0")/lib.bash"
N=${MUTANTS:-200}
"$GEN" -o "$T/seed.htrace" --ctf "$T/seed.ctf" --cpus 2 --threads 3 --ops 400 --live 40 --seed 11 \
    --inject uaf_write --level 3 >/dev/null || { bad "gen_trace"; finish; }
python3 "$HAKMEM_SRC/tests/viewer/mutate.py" 5 "$N" "$T/seed.htrace" "$T/mh" &&
    python3 "$HAKMEM_SRC/tests/viewer/mutate.py" 6 "$N" "$T/seed.ctf" "$T/mc" || { bad "mutate.py"; finish; }

declare -A codes
runs=0
check() { # INPUT COMMAND...
    local in=$1 rc lines
    shift
    timeout 10 "$VIEW" "$@" "$in" >"$T/out" 2>"$T/err"; rc=$?
    runs=$((runs + 1))
    codes[$rc]=$((${codes[$rc]:-0} + 1))
    lines=$(wc -l <"$T/err")
    case $rc in
    0) ;;
    3) [ "$1" = replay ] || { bad "$* $in: exit 3"; return; } ;;
    1) [ "$lines" -eq 1 ] && grep -q "^hakmem-trace: " "$T/err" ||
        { bad "$* $in: exit 1 with $lines lines on stderr: $(head -c 300 "$T/err")"; return; } ;;
    *) bad "$* $in: exit $rc: $(head -c 300 "$T/err")"; return ;;
    esac
    case " $* " in
    *" --json "*) # checked all at once below (one python3 for all)
        cp "$T/out" "$T/json/$runs.json"
        echo "$runs $* $in (exit $rc)" >>"$T/json/index" ;;
    esac
}
mkdir -p "$T/json"
for m in "$T"/mh/m*.htrace "$T"/mc/m*; do
    check "$m" replay
    check "$m" replay --json
    check "$m" summary --json
    check "$m" tail --json -n 5
done
python3 - "$T/json" >"$T/notjson" <<'PY'
import json, os, sys
d = sys.argv[1]
for line in open(os.path.join(d, "index")):
    n, what = line.rstrip("\n").split(" ", 1)
    try:
        json.load(open(os.path.join(d, n + ".json"), encoding="utf-8"))
    except Exception as e:
        print("%s: not JSON: %s" % (what, e))
PY
while read -r line; do bad "$line"; done <"$T/notjson"
dist=$(for k in "${!codes[@]}"; do echo "exit $k: ${codes[$k]}"; done | sort | paste -sd, - | sed 's/,/, /g')
[ "$fails" -eq 0 ] && ok "$((2 * N)) mutants (a dump's and a CTF trace's), $runs runs: $dist"
# the mutants reach every way out: some are read, some refused, some found corrupt
[ "${codes[0]:-0}" -gt 0 ] && [ "${codes[1]:-0}" -gt 0 ] && [ "${codes[3]:-0}" -gt 0 ] ||
    bad "the mutants do not exercise exit 0, 1 and 3: $dist"
finish
