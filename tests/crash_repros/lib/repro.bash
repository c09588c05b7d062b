# shellcheck shell=bash
# The driver of the crash repros, sourced by tests/crash_repros/NAME.sh (it lives in a
# subfolder so that tests/run.sh does not run it by itself). A script names one bug and
# what must happen at each level, then calls repro_check:
#
#   source "$(dirname "$0")/lib/repro.bash"
#   repro_fault user_as_base after=10       # a fault of libhakmem-inject.so (HAKMEM_INJECT),
#                                           # in the crash workload (crash_workload.c)
#   repro_program uaf_fake_link             # or: an application bug, build/tests/crash_repros/NAME
#                                           # (its argument "clean" leaves the bug out)
#   repro_args -t 3                         # (optional) the program's arguments
#   expect_level0 crash SIGSEGV             # what level 0 does: crash SIG | hang | corrupt |
#                                           # leak (only the slab or large-mapping count differs);
#                                           # SIG may list alternatives: SIGSEGV|SIGBUS for a
#                                           # link followed to a non-canonical address, which
#                                           # x86-64 faults with SIGSEGV, or SIGBUS when the
#                                           # load's base register is rbp or rsp (a stack-
#                                           # segment fault): the compiler's choice
#   expect_catch 2 user_base_mismatch       # the lowest level meant to catch it, and the KIND
#   expect_catch 4 user_base_mismatch       # the KIND at level 4
#   expect_below 1 freelist_corrupt         # (optional) what the level below reports: a later
#                                           # KIND, or none
#   expect_also 2 header_corrupt            # (optional, instead) what a level above the lowest
#                                           # reports, when its check is another one
#   expect_culprit fired                    # what the viewer names in the level-4 dump: fired (the
#                                           # event of the fault's own seq), window (a write by
#                                           # the program, outside the trace, in the fault's block),
#                                           # second_free (the second free of the victim),
#                                           # victim_window (outside the trace, the victim's block,
#                                           # the window opening at the victim's free)
#   repro_check
#
# repro_check asserts, every run in its own directory under $TEST_TMPDIR:
#  a) level 0 (libhakmem-inject.so at HAKMEM_INTEGRITY_LEVEL=0 for a fault, libhakmem-l0.so
#     for an application bug): the outcome, compared with a run without the bug (the
#     fault not armed, or the program's "clean" run): a death by signal, a hang (killed by
#     `timeout` after REPRO_HANG seconds), a different checksum line (silent corruption),
#     only a different slabs_in_use or large_mapped line (memory never returned), or the
#     same output.
#     No report line at level 0, and a fault prints its `fired` line: every fault does
#     harm at level 0 (the same output is a failure: "unaffected").
#  b) the lowest catching level and level 4 (libhakmem.so, or libhakmem-inject.so for a
#     fault): the first `hakmem: integrity violation:` line names the expected KIND and
#     comes before any `hakmem: fatal signal` line, and the process dies of SIGABRT (134).
#     The detection latency in operations, the report's `op SEQ` minus the fired seq, is
#     measured at level 4 and, when the lowest level is below 3, at that level with
#     HAKMEM_TRACE=1 (the rings give seqs; the checks are the same).
#  c) level 4: the JSON report (one object, the same kind and seq as the text, the dump it
#     names), and `hakmem-trace replay --json` on that dump: exit 3, the finding's block and
#     culprit as expect_culprit says.
#
# REPRO_TABLE=FILE appends one tab-separated row of what was measured (lib/table.sh makes
# the table of docs/TRIAGE.md from it). REPRO_MUTATE=NAME breaks one expectation on purpose
# (outcome, kind, order, latency, culprit, block, json, below): the script must then fail
# (mutations.sh checks a few).

set -u
ulimit -c 0

cr_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cr_name=$(basename "$0" .sh)
if [ -n "${TEST_TMPDIR:-}" ]; then
    cr_tmp=$TEST_TMPDIR
else
    cr_tmp=$(mktemp -d "${TMPDIR:-/tmp}/crash-repro.XXXXXX") && trap 'rm -rf "$cr_tmp"' EXIT
fi
cr_build=${HAKMEM_BUILD:-$cr_dir/../../../build}
cr_view=$cr_build/bin/hakmem-trace
cr_mutate=${REPRO_MUTATE:-}
cr_hang=${REPRO_HANG:-5}
cr_timeout=${REPRO_TIMEOUT:-60}
cr_failed=0
cr_fault='' cr_spec='' cr_prog='' cr_args=()
cr_l0='' cr_l0sig='' cr_l0_desc='' cr_low='' cr_below='' cr_below_tag='' cr_culprit=''
declare -A cr_kind=()

fail() { echo "FAIL: $*"; cr_failed=1; }
ok() { echo "ok: $*"; }
note() { echo "note: $*"; }

repro_fault() { # FAULT [after=N] [class=C]
    cr_fault=$1; shift
    cr_spec=$cr_fault
    local o
    for o in "$@"; do cr_spec+=",$o"; done
    cr_prog=$cr_build/tests/crash_repros/crash_workload
}
repro_program() { cr_prog=$cr_build/tests/crash_repros/$1; }
repro_args() { cr_args=("$@"); }
expect_level0() { cr_l0=$1; cr_l0sig=${2:-}; }
expect_catch() { # LEVEL KIND
    cr_kind[$1]=$2
    if [ -z "$cr_low" ] || [ "$1" -lt "$cr_low" ]; then cr_low=$1; fi
}
expect_below() { cr_below="$1 $2" cr_below_tag=below; }
expect_also() { cr_below="$1 $2" cr_below_tag=also; }
expect_culprit() { cr_culprit=$1; }

# cr_run TAG LIB LEVEL TIMEOUT [VAR=VALUE...] -- [ARGS...]: runs the program once in
# $cr_tmp/TAG (files out, err, dumps/); LEVEL empty: not set. Sets cr_rc, cr_out, cr_err.
cr_run() {
    local tag=$1 lib=$2 lv=$3 tmo=$4; shift 4
    local d=$cr_tmp/$tag vars=(LD_PRELOAD="$lib")
    rm -rf "$d"; mkdir -p "$d/dumps"
    while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    [ -n "$lv" ] && vars+=(HAKMEM_INTEGRITY_LEVEL="$lv")
    vars+=(HAKMEM_TRACE_DUMP="$d/dumps/")
    # the shell's own "Aborted" / "Segmentation fault" notice goes to /dev/null
    { (cd "$d" && exec timeout -k 2 "$tmo" env "${vars[@]}" "$cr_prog" "$@" >"$d/out" 2>"$d/err"); } 2>/dev/null
    cr_rc=$?
    cr_out=$d/out cr_err=$d/err
}

cr_show() { sed 's/^/    | /' "$cr_out" "$cr_err" | grep -v '^    | hakmem:     [#0-9a-z]' | head -n 30; }

# the fault's ground truth: seq, tid, ptr of the `fired` line (empty when none)
cr_fired() { sed -n "s/^hakmem-inject: fired $cr_fault seq=\([0-9]*\) tid=\([0-9]*\) ptr=\(0x[0-9a-f]*\)$/\\$1/p" "$cr_err" | head -n 1; }
cr_banner() { grep -m 1 '^hakmem: integrity violation: ' "$cr_err"; }
cr_banner_kind() { cr_banner | sed -n 's/^hakmem: integrity violation: \([a-z_]*\) at .*/\1/p'; }
cr_banner_op() { cr_banner | sed -n 's/.*, op \([0-9]*\))$/\1/p'; }
cr_sig_name() { kill -l $(($1 - 128)) 2>/dev/null | sed 's/^/SIG/'; }
# what the program printed that a bug may change
cr_sums() { grep -E '^(checksum|slabs_in_use|large_mapped) ' "$1"; }
# what was left at the end that the reference run gave back, e.g. "4 slabs in use at the
# end, not 2" (the lines of cr_sums that differ, checksum aside)
cr_leaked() {
    local key got want s
    for key in slabs_in_use large_mapped; do
        got=$(grep "^$key " "$cr_out" | cut -d' ' -f2) want=$(grep "^$key " <<<"$cr_ref" | cut -d' ' -f2)
        [ "$got" = "$want" ] && continue
        [ "$got" = 1 ] && s='' || s=s
        case $key in
        slabs_in_use) echo "$got slab$s in use at the end, not $want" ;;
        large_mapped) echo "$got large mapping$s still mapped at the end, not $want" ;;
        esac
    done | paste -sd';' | sed 's/;/; /g'
}

# The reference run: no fault armed, or the program's clean run.
cr_reference() {
    if [ -n "$cr_fault" ]; then
        cr_run ref "$cr_build/lib/libhakmem-inject.so" 0 "$cr_timeout" -- "${cr_args[@]}"
    else
        cr_run ref "$cr_build/lib/libhakmem-l0.so" "" "$cr_timeout" -- "${cr_args[@]}" clean
    fi
    if [ $cr_rc -ne 0 ] || ! grep -q '^checksum ' "$cr_out"; then
        fail "the run without the bug: exit $cr_rc, or no checksum line"; cr_show; return 1
    fi
    cr_ref=$(cr_sums "$cr_out")
    ok "without the bug: $(echo "$cr_ref" | tr '\n' ' ')"
}

# a) level 0
cr_check_level0() {
    local got want=$cr_l0 sums
    if [ -n "$cr_fault" ]; then
        cr_run level0 "$cr_build/lib/libhakmem-inject.so" 0 "$cr_hang" HAKMEM_INJECT="$cr_spec" -- "${cr_args[@]}"
    else
        cr_run level0 "$cr_build/lib/libhakmem-l0.so" "" "$cr_hang" -- "${cr_args[@]}"
    fi
    sums=$(cr_sums "$cr_out")
    if [ $cr_rc -eq 124 ] || [ $cr_rc -eq 137 ]; then got=hang
    elif [ $cr_rc -gt 128 ]; then got="crash $(cr_sig_name $cr_rc)"
    elif [ $cr_rc -ne 0 ]; then got="exit $cr_rc"
    elif [ "$(grep '^checksum ' <<<"$sums")" != "$(grep '^checksum ' <<<"$cr_ref")" ]; then got=corrupt
    elif [ "$sums" != "$cr_ref" ]; then got=leak
    else got=unaffected
    fi
    # a signal may be given as alternatives, SIGSEGV|SIGBUS: the one that was raised names it
    if [ -n "$cr_l0sig" ]; then
        local sig=$cr_l0sig alt
        for alt in ${cr_l0sig//|/ }; do [ "$got" = "$want $alt" ] && sig=$alt; done
        want="$want $sig"
    fi
    [ "$cr_mutate" = outcome ] && want="$want-mutated"
    cr_l0_got=$got
    if [ "$got" != "$want" ]; then
        fail "level 0: $got, expected $want"; cr_show; return 1
    fi
    if grep -q '^hakmem: integrity violation' "$cr_err"; then fail "level 0: a report"; cr_show; return 1; fi
    if [ -n "$cr_fault" ]; then
        [ -n "$(cr_fired 1)" ] || { fail "level 0: no 'hakmem-inject: fired $cr_fault' line"; cr_show; return 1; }
    fi
    local first
    first=$(grep -m 1 'silent corruption' "$cr_err")
    case $got in
    crash*) cr_l0_desc="$got${first:+, after silent corruption}" ;;
    corrupt) cr_l0_desc="silent corruption: another checksum" ;;
    leak) cr_l0_desc="memory never returned: $(cr_leaked)" ;;
    hang) cr_l0_desc="hang (killed after ${cr_hang} s)" ;;
    esac
    case $got in
    corrupt) ok "level 0: silent corruption: $(grep '^checksum ' "$cr_out") instead of $(grep '^checksum ' <<<"$cr_ref")" ;;
    leak) ok "level 0: memory never returned: after freeing everything, $(cr_leaked)" ;;
    hang) ok "level 0: hang: killed by timeout after ${cr_hang}s (the run without the bug takes well under a second)" ;;
    *) ok "level 0: $got (exit $cr_rc)" ;;
    esac
    [ -n "$first" ] && note "level 0, before that: $first"
    return 0
}

# b) one catching run: LEVEL TAG [VAR=VALUE...]; sets cr_kind_got, cr_latency ("" without seqs)
cr_check_catch() {
    local lv=$1 tag=$2 want; shift 2
    local lib=$cr_build/lib/libhakmem.so
    [ -n "$cr_fault" ] && lib=$cr_build/lib/libhakmem-inject.so
    local env=("$@")
    [ -n "$cr_fault" ] && env+=(HAKMEM_INJECT="$cr_spec")
    cr_run "$tag" "$lib" "$lv" "$cr_timeout" "${env[@]}" -- "${cr_args[@]}"
    want=${cr_kind[$lv]:-${cr_kind[$cr_low]}}
    [ "$cr_mutate" = kind ] && want=${want}_mutated
    cr_kind_got=$(cr_banner_kind) cr_latency=''
    if [ "$cr_kind_got" != "$want" ]; then
        fail "$tag: first report line '$(cr_banner)', expected kind $want"; cr_show; return 1
    fi
    local vline sline
    vline=$(grep -n -m 1 '^hakmem: integrity violation: ' "$cr_err" | cut -d: -f1)
    sline=$(grep -n -m 1 '^hakmem: fatal signal' "$cr_err" | cut -d: -f1)
    [ "$cr_mutate" = order ] && sline=1
    if [ -n "$sline" ] && [ "$sline" -lt "$vline" ]; then
        fail "$tag: a fatal signal line comes before the report"; cr_show; return 1
    fi
    [ $cr_rc -eq 134 ] || { fail "$tag: exit $cr_rc, expected 134 (SIGABRT after the report)"; cr_show; return 1; }
    local op fired
    op=$(cr_banner_op)
    if [ -n "$cr_fault" ]; then
        fired=$(cr_fired 1)
        [ -n "$fired" ] || { fail "$tag: no fired line"; cr_show; return 1; }
        if [ "$fired" -gt 0 ]; then
            cr_latency=$((op - fired))
            [ "$cr_mutate" = latency ] && cr_latency=-1
            [ "$cr_latency" -gt 0 ] || { fail "$tag: report op $op is not after the fired seq $fired"; return 1; }
        fi
    fi
    ok "$tag: $(cr_banner)${cr_latency:+ (fired at seq $fired: $cr_latency operations later)}"
}

cr_jq() { # FILE EXPR: a value out of a JSON document (EXPR in Python, on d)
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v='"$2"'; print("" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1"
}

# c) level 4: the JSON report and the replay of the dump
cr_check_viewer() {
    local d=$cr_tmp/level4 dump json=$cr_tmp/level4/report.jsonl rj=$cr_tmp/level4/replay.json rc
    dump=$(sed -n 's/^hakmem: trace dump written to \(.*\)$/\1/p' "$cr_err" | head -n 1)
    [ -n "$dump" ] && [ -s "$dump" ] || { fail "level 4: no trace dump named in the report"; cr_show; return 1; }
    # the JSON report agrees with the text
    python3 - "$json" "$(cr_banner)" "$dump" "$cr_mutate" <<'PY' || { fail "level 4: the JSON report"; return 1; }
import json, re, sys
path, banner, dump, mutate = sys.argv[1:]
lines = open(path).read().splitlines()
assert len(lines) == 1, "%d JSON lines, expected 1" % len(lines)
d = json.loads(lines[0])
m = re.match(r"hakmem: integrity violation: (\S+) at (\S+) \(level (\d+), thread (\d+), op (\d+)\)$", banner)
kind = m.group(1) + ("_mutated" if mutate == "json" else "")
assert (d["kind"], d["site"], d["level"], d["tid"], d["seq"]) == (kind, m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5))), (d, banner)
assert d["dump"] == dump, (d["dump"], dump)
PY
    "$cr_view" replay --json "$dump" >"$rj" 2>"$d/replay.err"; rc=$?
    [ $rc -eq 3 ] || { fail "level 4: hakmem-trace replay exit $rc, expected 3"; sed 's/^/    | /' "$d/replay.err"; return 1; }
    [ "$(cr_jq "$rj" 'd["status"]')" = corrupt ] || { fail "level 4: replay status not corrupt"; return 1; }
    cr_v_kind=$(cr_jq "$rj" 'd["finding"]["kind"]')
    cr_v_source=$(cr_jq "$rj" 'd["finding"]["source"]')
    cr_v_seq=$(cr_jq "$rj" '(d["finding"]["culprit"] or {}).get("seq")')
    cr_v_op=$(cr_jq "$rj" '(d["finding"]["culprit"] or {}).get("op")')
    cr_v_out=$(cr_jq "$rj" '(d["finding"]["culprit"] or {}).get("outside_trace")')
    cr_v_win=$(cr_jq "$rj" '"%s-%s" % (d["finding"]["culprit"]["window"]["from"], d["finding"]["culprit"]["window"]["to"]) if (d["finding"]["culprit"] or {}).get("window") else None')
    cr_v_block=$(cr_jq "$rj" '(d["finding"]["block"] or {}).get("base")')
    local rbase
    rbase=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["base"])' "$json")
    local want_block want_seq fired_seq
    if [ -n "$cr_fault" ]; then
        want_block=$(cr_fired 3) fired_seq=$(cr_fired 1)
    else
        want_block=$rbase
    fi
    [ "$cr_mutate" = block ] && want_block=0x0
    if [ "$cr_v_block" != "$want_block" ]; then
        fail "level 4: the viewer's block $cr_v_block, expected $want_block"; cr_replay_show "$dump"; return 1
    fi
    case $cr_culprit in
    fired)
        want_seq=$fired_seq
        [ "$cr_mutate" = culprit ] && want_seq=$((want_seq + 1))
        if [ "$cr_v_seq" != "$want_seq" ] || [ "$cr_v_out" != false ]; then
            fail "level 4: the viewer's culprit seq $cr_v_seq (outside the trace: $cr_v_out), expected the fired seq $want_seq"
            cr_replay_show "$dump"; return 1
        fi
        cr_v_found="yes: seq $cr_v_seq"
        ok "level 4: hakmem-trace replay: $cr_v_kind, culprit seq $cr_v_seq ($cr_v_op) = the fired seq, block $cr_v_block" ;;
    window)
        [ "$cr_mutate" = culprit ] && cr_v_out=false
        if [ "$cr_v_out" != true ] || [ -z "$cr_v_win" ]; then
            fail "level 4: the viewer's culprit is not outside the trace with a window (seq $cr_v_seq)"; cr_replay_show "$dump"; return 1
        fi
        if [ "${cr_v_win%-*}" -le "$fired_seq" ] && [ "$fired_seq" -le "${cr_v_win#*-}" ]; then
            fail "level 4: the window $cr_v_win now holds the fired seq $fired_seq: the viewer may name it now (update this test and docs/TRIAGE.md)"
            cr_replay_show "$dump"; return 1
        fi
        cr_v_found="no: window $cr_v_win"
        ok "level 4: hakmem-trace replay: $cr_v_kind ($cr_v_source), block $cr_v_block right, culprit outside the trace, window $cr_v_win; the fault (seq $fired_seq) is before it"
        note "the viewer cannot name an allocation that skipped its header write: docs/TRIAGE.md" ;;
    second_free)
        local victim frees
        victim=$(sed -n 's/^victim \(0x[0-9a-f]*\)$/\1/p' "$cr_out")
        frees=$(cr_jq "$rj" '" ".join(str(e["seq"]) for e in d["finding"]["history"] if e["op"] == "free" and e["ptr"] == "'"$victim"'")')
        want_seq=${frees##* }
        [ "$cr_mutate" = culprit ] && want_seq=${frees%% *}
        if [ "$cr_v_op" != free ] || [ "$cr_v_seq" != "$want_seq" ] || [ "$(wc -w <<<"$frees")" != 2 ] ||
            [ "$(cr_jq "$rj" 'd["finding"]["culprit"]["ptr"]')" != "$victim" ]; then
            fail "level 4: the viewer's culprit $cr_v_op seq $cr_v_seq, expected the second of the frees ($frees) of the victim $victim"
            cr_replay_show "$dump"; return 1
        fi
        cr_v_found="yes: seq $cr_v_seq"
        ok "level 4: hakmem-trace replay: $cr_v_kind, culprit: the second free of the victim $victim (seq $cr_v_seq; the first: ${frees%% *}), block $cr_v_block" ;;
    victim_window)
        local victim free_seq
        victim=$(sed -n 's/^victim \(0x[0-9a-f]*\)$/\1/p' "$cr_out")
        free_seq=$(cr_jq "$rj" '([e["seq"] for e in d["finding"]["history"] if e["op"] == "free" and e["ptr"] == "'"$victim"'"] or [None])[-1]')
        [ "$cr_mutate" = culprit ] && free_seq=$((free_seq + 1))
        if [ "$cr_v_out" != true ] || [ "${cr_v_win%-*}" != "$free_seq" ] || [ "$(cr_jq "$rj" 'd["finding"]["culprit"]["ptr"]')" != "$victim" ]; then
            fail "level 4: the viewer's culprit (outside the trace: $cr_v_out, window $cr_v_win), expected the window opening at the victim's free (seq $free_seq)"
            cr_replay_show "$dump"; return 1
        fi
        cr_v_found="yes: window $cr_v_win"
        ok "level 4: hakmem-trace replay: $cr_v_kind, culprit outside the trace: a write into the victim $victim (block $cr_v_block) between its free (seq ${cr_v_win%-*}) and seq ${cr_v_win#*-}" ;;
    *) fail "no expect_culprit"; return 1 ;;
    esac
}

# For an application bug, the latency is counted from the event the viewer blames (the
# second free, or the start of the window of the program's write): the report's op minus
# the culprit's seq (or the window's start) in the dump the last run wrote.
cr_program_latency() {
    local dump js op
    dump=$(sed -n 's/^hakmem: trace dump written to \(.*\)$/\1/p' "$cr_err" | head -n 1)
    [ -n "$dump" ] || return 0
    js=$(dirname "$cr_err")/latency.json
    "$cr_view" replay --json "$dump" >"$js" 2>/dev/null
    local from
    from=$(cr_jq "$js" '(d["finding"]["culprit"] or {}).get("seq")')
    [ -n "$from" ] || return 0
    op=$(cr_banner_op)
    cr_latency=$((op - from))
    note "$(basename "$(dirname "$cr_err")"): the viewer's culprit at seq $from, the report at op $op: $cr_latency operations later"
}

cr_replay_show() { "$cr_view" replay --history 8 "$1" 2>&1 | head -n 30 | sed 's/^/    | /'; }

repro_check() {
    [ -x "$cr_prog" ] || { echo "missing $cr_prog (make builds it)"; exit 1; }
    local f
    for f in libhakmem.so libhakmem-l0.so libhakmem-inject.so; do
        [ -e "$cr_build/lib/$f" ] || { echo "missing $cr_build/lib/$f (make)"; exit 1; }
    done
    [ -x "$cr_view" ] || { echo "missing $cr_view (make)"; exit 1; }
    command -v python3 >/dev/null || { echo "skipped: python3 is needed (make deps)"; exit 77; }
    [ -n "$cr_low" ] && [ -n "${cr_kind[4]:-}" ] && [ -n "$cr_l0" ] && [ -n "$cr_culprit" ] ||
        { echo "$cr_name: expect_level0, expect_catch (lowest and 4) and expect_culprit are needed"; exit 1; }
    echo "$cr_name: ${cr_fault:+HAKMEM_INJECT=$cr_spec }${cr_prog##*/}${cr_args[*]:+ ${cr_args[*]}}"

    cr_reference || { echo "$cr_name: FAILED"; exit 1; }
    cr_check_level0

    local lat_low='' lat4='' below_got=''
    if [ -n "$cr_below" ]; then
        local blv=${cr_below% *} bkind=${cr_below#* } lib=$cr_build/lib/libhakmem.so env=()
        [ -n "$cr_fault" ] && lib=$cr_build/lib/libhakmem-inject.so env=(HAKMEM_INJECT="$cr_spec")
        # with rings (HAKMEM_TRACE=1: the same checks) so that a later report has a seq
        cr_run below "$lib" "$blv" "$cr_timeout" HAKMEM_TRACE=1 "${env[@]}" -- "${cr_args[@]}"
        below_got=$(cr_banner_kind); below_got=${below_got:-none}
        [ "$cr_mutate" = below ] && bkind=${bkind}_mutated
        if [ "$below_got" != "$bkind" ]; then
            fail "level $blv ($cr_below_tag): ${below_got/#none/no report}, expected $bkind"; cr_show
        elif [ "$below_got" = none ]; then
            ok "level $blv ($cr_below_tag): no report (exit $cr_rc)"
            below_got="level $blv: no report"
        else
            local bl=''
            if [ -n "$cr_fault" ] && [ -n "$(cr_fired 1)" ]; then bl=$(($(cr_banner_op) - $(cr_fired 1))); fi
            ok "level $blv ($cr_below_tag): $(cr_banner)${bl:+ ($bl operations after the fault)}"
            below_got="level $blv: $below_got${bl:+, $bl ops after the fault}"
        fi
    fi

    if cr_check_catch "$cr_low" "level$cr_low"; then
        [ -z "$cr_fault" ] && cr_program_latency
        lat_low=$cr_latency
    fi
    if [ "$cr_low" -lt 3 ] && cr_check_catch "$cr_low" "level$cr_low-traced" HAKMEM_TRACE=1; then
        [ -z "$cr_fault" ] && cr_program_latency
        lat_low=$cr_latency
    fi
    if cr_check_catch 4 level4 HAKMEM_REPORT_JSON="$cr_tmp/level4/report.jsonl"; then
        [ -z "$cr_fault" ] && cr_program_latency
        lat4=$cr_latency
        cr_check_viewer || cr_v_found=FAILED
    fi

    if [ -n "${REPRO_TABLE:-}" ]; then
        local name=${cr_fault:-${cr_prog##*/}}
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${cr_l0_desc:-$cr_l0_got}" "$cr_low" "${cr_kind[$cr_low]}" \
            "${lat_low:--}" "${cr_kind[4]}" "${lat4:--}" "${cr_v_found:-FAILED}" "$below_got" >>"$REPRO_TABLE"
    fi
    if [ $cr_failed = 0 ]; then echo "$cr_name: ok"; else echo "$cr_name: FAILED"; fi
    exit $cr_failed
}
