#!/usr/bin/env bash
# hakmem-run (tools/hakmem-run, copied to build/bin by make): options and their errors, the
# exit status (the program's, signal deaths as 128+N), the triage summary of the 16-byte
# offset repro (the culprit the viewer names is the fault's fired seq), --json, the stacks,
# levels without rings, the default dump directory, an installed copy finding PREFIX/lib,
# and --lttng when a session daemon can run (that part alone is skipped otherwise).
set -u
ulimit -c 0
build=${HAKMEM_BUILD:?} src=${HAKMEM_SRC:?} T=${TEST_TMPDIR:?}
run=$build/bin/hakmem-run
wl=$build/tests/crash_repros/crash_workload
inj=$build/lib/libhakmem-inject.so
for f in "$run" "$wl" "$inj" "$build/bin/hakmem-trace" "$build/tests/crash_repros/uaf_fake_link"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
command -v python3 >/dev/null || { echo "SKIP: python3 is needed (make deps)"; exit 77; }
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
show() { sed 's/^/    | /' "$@" | head -n 40; }
# hr TAG [ENV=V...] -- hakmem-run args: runs it, stdout in $T/TAG.out, stderr in $T/TAG.err, rc
hr() {
    local tag=$1 vars=(); shift
    while [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    (cd "$T" && exec env "${vars[@]}" "$run" "$@") >"$T/$tag.out" 2>"$T/$tag.err"
    rc=$?
    out=$T/$tag.out err=$T/$tag.err
}
fired_seq() { sed -n 's/^hakmem-inject: fired [a-z_]* seq=\([0-9]*\) .*/\1/p' "$1" | head -n 1; }
jq() { python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); v='"$2"'; print("" if v is None else v)' "$1"; }

# ---- the command line ----
check_usage() { # TAG WANT_RC PATTERN -- args
    local tag=$1 want=$2 pat=$3; shift 4
    hr "$tag" -- "$@"
    if [ $rc -eq "$want" ] && grep -q -- "$pat" "$err"; then ok "$tag: exit $rc, '$(head -n 1 "$err")'"
    else fail "$tag: exit $rc (expected $want), stderr without '$pat'"; show "$err"; fi
}
check_usage unknown 125 "hakmem-run: unknown option '--bogus'" -- --bogus -- true
check_usage level-range 125 "hakmem-run: --level must be one of 0 1 2 3 4, not '7'" -- --level 7 -- true
check_usage level-word 125 "not 'high'" -- --level=high -- true
check_usage level-missing 125 "hakmem-run: option '--level' needs a value" -- --level
check_usage dump-dir-missing 125 "option '--dump-dir' needs a value" -- --dump-dir
check_usage no-command 125 "hakmem-run: no command to run" -- --level 1
check_usage bad-lib 125 "hakmem-run: no library '/nonexistent/libhakmem.so'" -- --lib /nonexistent/libhakmem.so -- true
check_usage bad-dir 125 "cannot use '/proc/version/x' as the dump directory" -- --dump-dir /proc/version/x -- true
mkdir -p "$T/used" && : >"$T/used/report.txt"
check_usage used-dir 125 "report.txt exists already" -- --dump-dir "$T/used" -- true
check_usage not-found 127 "hakmem-run: /nonexistent/prog: command not found" -- -- /nonexistent/prog
hr help -- --help
[ $rc -eq 0 ] && grep -q '^usage: hakmem-run \[--level N\] \[--trace\] \[--lttng\] \[--dump-dir DIR\] \[--json\]' "$out" &&
    ok "--help: usage on stdout, exit 0" || { fail "--help: exit $rc"; show "$out" "$err"; }

# ---- the exit status is the program's; its output passes through ----
hr exit3 -- -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
if [ $rc -eq 3 ] && [ "$(cat "$out")" = to-stdout ] && [ "$(head -n 1 "$err")" = to-stderr ] &&
    grep -q "^hakmem-run: sh: exit 3; no violation at integrity level 4$" "$err"; then
    ok "exit 3 passed through, output untouched, no violation"
else fail "exit 3: exit $rc"; show "$out" "$err"; fi
hr segv0 -- --level 0 -- sh -c 'kill -SEGV $$'
[ $rc -eq 139 ] && grep -q "killed by SIGSEGV, integrity level 0" "$err" && grep -q "level 0 has no fatal-signal handler" "$err" &&
    ok "a SIGSEGV at level 0: exit 139, said so" || { fail "SIGSEGV at level 0: exit $rc"; show "$err"; }
mkdir -p "$T/cleantmp"
hr clean TMPDIR="$T/cleantmp" -- -- "$wl" -t 2 -n 2000 -1 2000
[ $rc -eq 0 ] && grep -q '^checksum ' "$out" && [ -z "$(ls -A "$T/cleantmp")" ] &&
    ok "a clean run at level 4: exit 0, no directory left behind" || { fail "clean run: exit $rc"; show "$out" "$err"; }

# ---- the 16-byte offset: report, culprit, block, history ----
hr uab HAKMEM_INJECT=user_as_base,after=10 -- --lib "$inj" --dump-dir "$T/uab" -- "$wl"
seq=$(fired_seq "$err")
if [ $rc -ne 134 ] || [ -z "$seq" ]; then
    fail "user_as_base: exit $rc, fired seq '$seq'"; show "$err"
else
    want="^culprit:    seq $seq, tls_push by thread [0-9]*, ptr 0x[0-9a-f]*, at [a-z_]*$"
    if grep -q "^==== hakmem-run: triage of '$wl' (exit 134, killed by SIGABRT, integrity level 4) ====$" "$err" &&
        grep -q '^hakmem: integrity violation: user_base_mismatch at ' "$err" &&
        grep -q '^kind:       user_base_mismatch$' "$err" && grep -q "$want" "$err" &&
        grep -q '^block:      0x[0-9a-f]*, class 1, stride 32, ' "$err" &&
        grep -q '^history of the block' "$err" && grep -q '^  bad> ' "$err" &&
        [ -n "$(ls "$T"/uab/*.htrace 2>/dev/null)" ]; then
        ok "user_as_base: exit 134; the summary names the culprit at the fired seq $seq: $(grep '^culprit:    seq' "$err")"
    else
        fail "user_as_base: the triage summary lacks the report, kind, culprit at seq $seq, block or history"; show "$err"
    fi
fi

# ---- --json ----
hr json HAKMEM_INJECT=user_as_base,after=10 -- --json --lib "$inj" --dump-dir "$T/json" -- "$wl" -t 2
seq=$(fired_seq "$err")
if [ $rc -eq 134 ] && python3 - "$out" "$seq" "$T/json" "$wl" <<'PY'; then
import json, sys
path, seq, d, wl = sys.argv[1:]
lines = open(path).read().splitlines()
doc = json.loads(lines[-1])
assert lines[0].startswith("crash_workload: "), "the program's stdout first"
assert doc == json.load(open(d + "/triage.json")), "triage.json"
assert doc["command"] == [wl, "-t", "2"] and doc["exit_status"] == 134 and doc["signal"] == "SIGABRT", doc
assert doc["level"] == 4 and doc["violation"] is True and doc["dump_dir"] == d, doc
assert doc["report"]["kind"] == "user_base_mismatch" and doc["reports"] == 1, doc["report"]
assert doc["report_line"].startswith("hakmem: integrity violation: user_base_mismatch at "), doc["report_line"]
assert doc["dump"] == doc["report"]["dump"] and doc["dump"].startswith(d + "/"), doc["dump"]
assert doc["replay_exit"] == 3 and doc["replay"]["status"] == "corrupt", doc["replay_exit"]
c = doc["replay"]["finding"]["culprit"]
assert c["seq"] == int(seq) and c["op"] == "tls_push", (c, seq)
assert doc["lttng"] is None and doc["fatal_signal"] is None
PY
    ok "--json: one document on stdout's last line (and in triage.json), culprit seq $seq"
else
    fail "--json: exit $rc"; show "$out" "$err"
fi

# ---- the stacks of the report ----
hr stacks -- --dump-dir "$T/stacks" -- "$build/tests/crash_repros/uaf_fake_link"
if [ $rc -eq 134 ] && grep -q '^---- stacks from the report$' "$err" &&
    awk '/^allocated at:$/ { a = 1; next } /^freed at:$/ { a = 0; f = 1; next }
         a && / node_new\+/ { na = 1 } f && / node_release\+/ { nf = 1 } END { exit !(na && nf) }' "$err" &&
    grep -q '^culprit:    outside the trace' "$err"; then
    ok "stacks: allocated at node_new, freed at node_release; culprit outside the trace"
else fail "stacks: exit $rc"; show "$err"; fi

# ---- below level 3: no rings unless --trace ----
hr level2 HAKMEM_INJECT=user_as_base,after=10 -- --level 2 --lib "$inj" --dump-dir "$T/level2" -- "$wl"
[ $rc -eq 134 ] && grep -q 'no trace dump: the rings are off below level 3' "$err" && grep -q '^kind:       user_base_mismatch$' "$err" &&
    ok "level 2: the report, and why there is no replay" || { fail "level 2: exit $rc"; show "$err"; }
hr level2t HAKMEM_INJECT=user_as_base,after=10 -- --level 2 --trace --lib "$inj" --dump-dir "$T/level2t" -- "$wl"
seq=$(fired_seq "$err")
[ $rc -eq 134 ] && [ -n "$seq" ] && grep -q "^culprit:    seq $seq, tls_push " "$err" &&
    ok "level 2 --trace: replayed, culprit at the fired seq $seq" || { fail "level 2 --trace: exit $rc"; show "$err"; }

# ---- the default dump directory: under $TMPDIR ----
mkdir -p "$T/tmpd"
hr deflt TMPDIR="$T/tmpd" HAKMEM_INJECT=user_as_base,after=10 -- --lib "$inj" -- "$wl"
d=$(ls -d "$T"/tmpd/hakmem-run.* 2>/dev/null)
[ $rc -eq 134 ] && [ -n "$d" ] && [ -n "$(ls "$d"/*.htrace 2>/dev/null)" ] && grep -q "^==== files: $d$" "$err" &&
    ok "default dump directory: $d" || { fail "default dump directory: exit $rc, '$d'"; show "$err"; }

# ---- an installed copy finds PREFIX/lib ----
P=$T/prefix
mkdir -p "$P/bin" "$P/lib"
cp "$run" "$build/bin/hakmem-trace" "$P/bin/" && cp "$build/lib/libhakmem.so" "$P/lib/"
(cd "$T" && "$P/bin/hakmem-run" --json -- true) >"$T/prefix.out" 2>"$T/prefix.err"
lib=$(jq "$T/prefix.out" 'd["library"]')
[ "$lib" = "$P/lib/libhakmem.so" ] && ok "installed in PREFIX/bin: uses PREFIX/lib/libhakmem.so" ||
    { fail "installed copy: library '$lib'"; show "$T/prefix.out" "$T/prefix.err"; }
if [ "$(cd "$build" && pwd)" = "$(cd "$src/build" 2>/dev/null && pwd)" ]; then
    (cd "$T" && "$src/tools/hakmem-run" --json -- true) >"$T/srctree.out" 2>&1
    lib=$(jq "$T/srctree.out" 'd["library"]')
    [ "$lib" = "$(cd "$build/lib" && pwd)/libhakmem.so" ] && ok "tools/hakmem-run in the source tree: uses build/lib" ||
        { fail "tools/hakmem-run: library '$lib'"; show "$T/srctree.out"; }
fi

# ---- --lttng (needs a session daemon) ----
# shellcheck source=trace/lttng/session.bash
source "$src/trace/lttng/session.bash"
lt_traps
if [ ! -e "$build/lib/libhakmem-lttng.so" ]; then
    echo "note: --lttng not tested: libhakmem-lttng.so is not built"
elif ! lt_sessiond_up; then
    echo "note: --lttng not tested: $LT_ERR"
else
    # one worker thread: see lttng_captures.sh
    hr lttng HAKMEM_INJECT=user_as_base,after=1000 -- --lttng --json --lib "$inj" --dump-dir "$T/lttng" -- "$wl" -1 0 -r 0 -t 1
    seq=$(fired_seq "$err")
    if [ $rc -eq 134 ] && [ -n "$seq" ] && [ -d "$T/lttng/lttng" ] &&
        [ "$(jq "$out" 'd["lttng"]["replay"]["finding"]["culprit"]["seq"]')" = "$seq" ] &&
        [ "$(jq "$out" 'd["lttng"]["replay_exit"]')" = 3 ] && [ "$(jq "$out" 'd["replay"]["finding"]["culprit"]["seq"]')" = "$seq" ]; then
        ok "--lttng: the LTTng trace and the dump both name the culprit at the fired seq $seq"
    else
        fail "--lttng: exit $rc, fired $seq"; show "$err"
    fi
    # the same through a shell that runs another program first and then exec()s the
    # workload: three programs in the trace, two of them in one process; the replay reads
    # the one that wrote the dump
    hr lttng-sh HAKMEM_INJECT=user_as_base,after=1000 -- --lttng --json --lib "$inj" --dump-dir "$T/lttng-sh" -- \
        sh -c "'$wl' -1 0 -r 0 -t 1 -n 100 >/dev/null 2>&1; exec '$wl' -1 0 -r 0 -t 1"
    seq=$(fired_seq "$err")
    if [ $rc -eq 134 ] && [ -n "$seq" ] &&
        [ "$(jq "$out" 'd["lttng"]["replay"]["finding"]["culprit"]["seq"]')" = "$seq" ] &&
        [ "$(jq "$out" 'd["lttng"]["replay_exit"]')" = 3 ]; then
        ok "--lttng through sh and exec: the LTTng trace names the culprit at the fired seq $seq"
    else
        fail "--lttng through sh and exec: exit $rc, fired $seq"; show "$err"; show "$T/lttng-sh/lttng-replay.err"
    fi
    ! lttng list 2>/dev/null | grep -q 'hakmem-run-' && ok "--lttng: no session left behind" ||
        fail "--lttng: a hakmem-run session is left"
fi

[ $fails -eq 0 ] && echo "hakmem_run: ok" || echo "hakmem_run: $fails failed"
[ $fails -eq 0 ]
