# The driver of the heap-bug tests, sourced by tests/heapbugs/NAME.sh (it lives in a
# subfolder so that tests/run.sh does not run it by itself). A script names its program
# and what each level must report, then calls heapbug_check:
#
#   source "$(dirname "$0")/lib/common.bash"
#   heapbug double_free                      # the program (build/tests/heapbugs/NAME) and its arguments
#   catch_at 1 double_free front_free        # from level 1 on: this KIND at this SITE
#   catch_at 4 use_after_free_write quarantine   # (optional) from level 4 on: another one
#   stacks alloc free !free_again            # level 4 names make_block ("allocated at")
#                                            # and drop_block ("freed at"), and the free
#                                            # stack does not name free_again; "alloc"
#                                            # alone: no free stack applies; none: no stacks
#   heapbug_env HAKMEM_GUARD=all             # (optional) set for every run
#   heapbug_check
#
# heapbug_check asserts, with LD_PRELOAD of libhakmem.so and HAKMEM_INTEGRITY_LEVEL:
#  - below the lowest catching level L: no report line (any exit status: the bug may
#    corrupt silently or crash later), also with the fixed-level libhakmem-lN.so;
#  - at every level from L: the report's first line is exactly
#    `hakmem: integrity violation: KIND at SITE (level N, thread T, op SEQ)` (T and SEQ
#    numeric), once; by default the process dies of SIGABRT (exit 134); the same with the
#    fixed-level library;
#  - at L: HAKMEM_ON_VIOLATION=exit:42 exits 42; =report goes on, exits 0 and the program's
#    own check passes (the bad block is never handed out again, no two live blocks overlap);
#    HAKMEM_STACKS=1 gives the same report, with the stacks of level 4 when L finds the bug
#    as the same KIND;
#  - from level 3: a trace dump is written and named in the report; below: none;
#  - at level 4: the allocation and free stacks name make_block and drop_block as declared
#    (and "freed at" is absent when no free stack applies); HAKMEM_REPORT_JSON gets one
#    JSON object with every documented key, agreeing with the text.
#
# HEAPBUG_MUTATE=NAME breaks one expectation on purpose (kind, site, level, first_line,
# count, abort_rc, exit_rc, survive, below, dump, alloc_stack, free_stack, json_key,
# json_kind; guard_word: HAKMEM_GUARD=bogus, which hakmem complains about, so the bug goes
# unseen but guarded mode is mentioned): the script must then fail.
# lib/mutate.sh runs them all.

set -u
ulimit -c 0

hb_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
hb_name=$(basename "$0" .sh)
if [ -n "${TEST_TMPDIR:-}" ]; then
    hb_tmp=$TEST_TMPDIR
else
    hb_tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapbug.XXXXXX") && trap 'rm -rf "$hb_tmp"' EXIT
fi
hb_build=${HAKMEM_BUILD:-$hb_dir/../../../build}
hb_rt=$hb_build/lib/libhakmem.so
hb_mutate=${HEAPBUG_MUTATE:-}
hb_timeout=${HEAPBUG_TIMEOUT:-10}
hb_failed=0
hb_prog=
hb_args=()
hb_env=()
hb_guard=0
hb_low=
hb_stacks=
declare -A hb_kind=() hb_site=()

fail() { echo "FAIL: $*"; hb_failed=1; }
note() { echo "note: $*"; }

heapbug() { hb_prog=$hb_build/tests/heapbugs/$1; shift; hb_args=("$@"); }
heapbug_env() { hb_env+=("$@"); [[ " $* " == *" HAKMEM_GUARD="* ]] && hb_guard=1; return 0; }
stacks() { hb_stacks=" $* "; }
catch_at() { # LEVEL KIND SITE
    local lv
    for ((lv = $1; lv <= 4; lv++)); do hb_kind[$lv]=$2; hb_site[$lv]=$3; done
    [ -z "$hb_low" ] && hb_low=$1
    return 0
}

# hb_run TAG LIB LEVEL ON_VIOLATION [VAR=VALUE...]: runs the program once in its own
# directory $hb_tmp/TAG (files out, err); LEVEL or ON_VIOLATION empty: not set. Sets hb_rc.
hb_run() {
    local tag=$1 lib=$2 lv=$3 on=$4; shift 4
    local d=$hb_tmp/$tag vars=(LD_PRELOAD="$lib" HAKMEM_TRACE_DUMP="$hb_tmp/$tag/dumps/")
    rm -rf "$d"; mkdir -p "$d/dumps"
    [ -n "$lv" ] && vars+=(HAKMEM_INTEGRITY_LEVEL="$lv")
    [ -n "$on" ] && vars+=(HAKMEM_ON_VIOLATION="$on")
    # the shell's own "Aborted" notice goes to /dev/null, the program's stderr to err
    { (cd "$d" && exec timeout -k 2 "$hb_timeout" env "${vars[@]}" "${hb_env[@]}" "$@" "$hb_prog" "${hb_args[@]}" \
        >"$d/out" 2>"$d/err"); } 2>/dev/null
    hb_rc=$?
    hb_out=$d/out hb_err=$d/err
}

hb_show() { # the program's output, for a failure
    sed 's/^/    | /' "$hb_out" "$hb_err" | head -n 40
}

hb_violations() { grep -c '^hakmem: integrity violation:' "$hb_err"; }

# The banner regex for level lv (mutations make it wrong on purpose).
hb_banner_re() {
    local lv=$1 kind=${hb_kind[$1]} site=${hb_site[$1]} shown=$1
    [ "$hb_mutate" = kind ] && kind=${kind}_wrong
    [ "$hb_mutate" = site ] && site=${site}_wrong
    [ "$hb_mutate" = level ] && shown=$((lv == 4 ? 3 : lv + 1))
    printf '^hakmem: integrity violation: %s at %s \\(level %s, thread [0-9]+, op [0-9]+\\)$' "$kind" "$site" "$shown"
}

# The report's first line: the first line of stderr. In guarded mode the fault is
# announced first by the fatal-signal line, then the report follows.
hb_check_banner() { # WHAT LEVEL
    local what=$1 lv=$2 re first n
    re=$(hb_banner_re "$lv")
    first=$(head -n 1 "$hb_err")
    if [ $hb_guard = 1 ] && [[ $first =~ ^hakmem:\ fatal\ signal\ SIG[A-Z]+\ at\ 0x[0-9a-f]+$ ]]; then
        first=$(sed -n 2p "$hb_err")
    fi
    [ "$hb_mutate" = first_line ] && first="x$first"
    if ! [[ $first =~ $re ]]; then
        fail "$what: the report's first line is not /$re/"
        hb_show
        return 1
    fi
    n=$(hb_violations)
    [ "$hb_mutate" = count ] && n=$((n + 1))
    [ "$n" = 1 ] || { fail "$what: $n report lines, expected exactly one"; hb_show; return 1; }
    return 0
}

# The process died of SIGABRT after the report (guarded mode: of the fault's own signal,
# re-raised, or of SIGABRT).
hb_check_abort_rc() { # WHAT
    local want=134
    [ "$hb_mutate" = abort_rc ] && want=135
    if [ $hb_guard = 0 ] && grep -q '^hakmem: fatal signal' "$hb_err"; then
        fail "$1: the fatal-signal handler reported the report's own SIGABRT"; hb_show; return 1
    fi
    if [ $hb_rc -eq "$want" ]; then return 0; fi
    if [ $hb_guard = 1 ] && [ "$hb_mutate" != abort_rc ] && { [ $hb_rc -eq 139 ] || [ $hb_rc -eq 135 ]; }; then
        note "$1: died of the fault's signal (exit $hb_rc), not of SIGABRT"
        return 0
    fi
    fail "$1: exit status $hb_rc, expected $want (SIGABRT)"
    hb_show
    return 1
}

# Levels below the lowest catching one: no report line, whatever else happens.
hb_check_below() {
    local lv top=$hb_low lib
    [ "$hb_mutate" = below ] && top=$((hb_low + 1))
    for ((lv = 0; lv < top; lv++)); do
        for lib in "$hb_rt" "$hb_build/lib/libhakmem-l$lv.so"; do
            if [ "$lib" = "$hb_rt" ]; then hb_run "below$lv-rt" "$lib" "$lv" ""; else hb_run "below$lv-fixed" "$lib" "" ""; fi
            if [ $hb_rc -eq 124 ] || [ $hb_rc -eq 137 ]; then
                fail "level $lv ($(basename "$lib")): timed out"
            elif [ "$(hb_violations)" != 0 ]; then
                fail "level $lv ($(basename "$lib")): a report below level $hb_low"
                hb_show
            else
                echo "ok: level $lv ($(basename "$lib")): no report (exit $hb_rc)"
            fi
        done
    done
}

# Where the report says the trace dump went (empty: it says nothing).
hb_dump_path() { sed -n 's/^hakmem: trace dump written to \(.*\)$/\1/p' "$hb_err" | head -n 1; }

hb_check_dump() { # WHAT LEVEL
    local what=$1 lv=$2 path
    path=$(hb_dump_path)
    if [ "$lv" -ge 3 ] || [ "$hb_mutate" = dump ]; then
        [ "$hb_mutate" = dump ] && [ "$lv" -ge 3 ] && path=$path.missing
        if [ -z "$path" ] || [ ! -s "$path" ]; then
            fail "$what: no trace dump named in the report, or '$path' missing or empty"
            return 1
        fi
    elif [ -n "$path" ]; then
        fail "$what: a trace dump at level $lv ($path), where rings are off"
        return 1
    fi
    return 0
}

# The lines of one stack section of the text report: "allocated at:" or "freed at:".
hb_section() {
    awk -v h="hakmem:   $1" '$0 == h { on = 1; next } on && /^hakmem:     #/ { print; next } { on = 0 }' "$hb_err"
}

hb_check_stacks() { # WHAT
    local what=$1 ok=0 fn want_alloc=0 want_free=0
    [[ $hb_stacks == *" alloc "* ]] && want_alloc=1
    [[ $hb_stacks == *" free "* ]] && want_free=1
    # a mutation flips what is expected: a wrong name where a stack applies, a stack where none does
    fn=make_block
    if [ "$hb_mutate" = alloc_stack ]; then [ $want_alloc = 1 ] && fn=make_block_wrong || want_alloc=1; fi
    if [ $want_alloc = 1 ]; then
        hb_section "allocated at:" | grep -q " $fn+0x[0-9a-f]* " ||
            { fail "$what: the allocation stack does not name $fn"; ok=1; }
    elif grep -q '^hakmem:   allocated at:$' "$hb_err"; then
        fail "$what: an allocation stack where none applies"; ok=1
    fi
    fn=drop_block
    if [ "$hb_mutate" = free_stack ]; then [ $want_free = 1 ] && fn=drop_block_wrong || want_free=1; fi
    if [ $want_free = 1 ]; then
        hb_section "freed at:" | grep -q " $fn+0x[0-9a-f]* " ||
            { fail "$what: the free stack does not name $fn"; ok=1; }
    elif grep -q '^hakmem:   freed at:$' "$hb_err"; then
        fail "$what: a free stack where none applies (the block was never freed)"; ok=1
    fi
    local t # "!name": the free stack is the first free's, not that of the bad free in name
    for t in $hb_stacks; do
        [[ $t == !* ]] || continue
        if hb_section "freed at:" | grep -q " ${t#!}+0x"; then
            fail "$what: the free stack names ${t#!}, the bad free, instead of the first free"; ok=1
        fi
    done
    [ $ok = 0 ] || hb_show
    return $ok
}

# HAKMEM_REPORT_JSON: one object per line, every documented key, agreeing with the text.
hb_check_json() { # WHAT LEVEL FILE
    local what=$1 lv=$2 file=$3 banner
    banner=$(grep -m 1 '^hakmem: integrity violation:' "$hb_err")
    python3 - "$file" "$lv" "${hb_kind[$lv]}" "${hb_site[$lv]}" "$banner" "$hb_stacks" "$(hb_dump_path)" \
        "$hb_mutate" <<'PY' || { fail "$what: JSON report"; sed 's/^/    | /' "$file" 2>/dev/null | cut -c1-400; return 1; }
import json, re, sys
path, lv, kind, site, banner, stacks, dump, mutate = sys.argv[1:]
lines = open(path).read().splitlines()
assert len(lines) == 1, "%d lines, expected 1" % len(lines)
d = json.loads(lines[0])
keys = "kind site level tid seq ptr base class stride expected found alloc_stack free_stack dump".split()
if mutate == "json_key":
    keys.append("no_such_key")
missing = [k for k in keys if k not in d]
assert not missing, "missing keys %s" % missing
if mutate == "json_kind":
    kind += "_wrong"
assert d["kind"] == kind and d["site"] == site and d["level"] == int(lv), d
m = re.match(r"hakmem: integrity violation: \S+ at \S+ \(level \d+, thread (\d+), op (\d+)\)$", banner)
assert m and d["tid"] == int(m.group(1)) and d["seq"] == int(m.group(2)), (banner, d["tid"], d["seq"])
for k in ("ptr", "base", "expected", "found"):
    assert re.match(r"0x[0-9a-f]+$", d[k]), (k, d[k])
assert isinstance(d["class"], int) and isinstance(d["stride"], int), d
assert isinstance(d["alloc_stack"], list) and isinstance(d["free_stack"], list), d
def names(st, fn):
    return any(re.search(r"\b%s\+0x" % fn, f) for f in st)
if " alloc " in stacks:
    assert names(d["alloc_stack"], "make_block"), d["alloc_stack"]
if " free " in stacks:
    assert names(d["free_stack"], "drop_block"), d["free_stack"]
else:
    assert d["free_stack"] == [], d["free_stack"]
for t in stacks.split():
    if t.startswith("!"):
        assert not names(d["free_stack"], t[1:]), ("the bad free in the free stack", d["free_stack"])
assert d["dump"] == (dump or None), (d["dump"], dump)
PY
}

heapbug_check() {
    local lv lib tag
    [ -x "$hb_prog" ] || { echo "missing $hb_prog (make builds it)"; exit 1; }
    for lv in 0 1 2 3 4; do
        [ -e "$hb_build/lib/libhakmem-l$lv.so" ] || { echo "missing $hb_build/lib/libhakmem-l$lv.so"; exit 1; }
    done
    [ -e "$hb_rt" ] || { echo "missing $hb_rt"; exit 1; }
    [ -n "$hb_low" ] || { echo "$hb_name: no catch_at"; exit 1; }
    echo "$hb_name: ${hb_prog##*/}${hb_args[*]:+ ${hb_args[*]}}: caught from level $hb_low as ${hb_kind[$hb_low]} at ${hb_site[$hb_low]}"

    # guarded mode must exist: a probe at level 4 reports the bug, or speaks of HAKMEM_GUARD
    # (the guard_word mutation, which the checks below then fail on); silence means the
    # mode is missing
    if [ $hb_guard = 1 ]; then
        [ "$hb_mutate" = guard_word ] && hb_env=("${hb_env[@]/#HAKMEM_GUARD=*/HAKMEM_GUARD=bogus}")
        hb_run guard-probe "$hb_rt" 4 ""
        if [ "$(hb_violations)" = 0 ] && ! grep -qi guard "$hb_out" "$hb_err"; then
            echo "FAIL: $hb_name: no report and no word of guarded mode (exit $hb_rc): HAKMEM_GUARD=all did nothing"
            hb_show
            exit 1
        fi
    fi

    hb_check_below

    for ((lv = hb_low; lv <= 4; lv++)); do
        for lib in "$hb_rt" "$hb_build/lib/libhakmem-l$lv.so"; do
            if [ "$lib" = "$hb_rt" ]; then
                tag=level$lv-rt; hb_run "$tag" "$lib" "$lv" ""
            else
                tag=level$lv-fixed; hb_run "$tag" "$lib" "" ""
            fi
            hb_check_banner "$tag (abort)" "$lv" && hb_check_abort_rc "$tag (abort)" &&
                hb_check_dump "$tag" "$lv" && echo "ok: $tag: $(head -n 1 "$hb_err" | grep -v 'fatal signal' || sed -n 2p "$hb_err")"
        done
    done

    lv=$hb_low
    local want_exit=42
    [ "$hb_mutate" = exit_rc ] && want_exit=43
    hb_run exit "$hb_rt" "$lv" exit:42
    if hb_check_banner "level $lv exit:42" "$lv"; then
        [ $hb_rc -eq $want_exit ] && echo "ok: level $lv, HAKMEM_ON_VIOLATION=exit:42: exit 42" ||
            { fail "level $lv, exit:42: exit status $hb_rc, expected $want_exit"; hb_show; }
    fi

    hb_run report "$hb_rt" "$lv" report
    local survived="^heapbug: survived: "
    [ "$hb_mutate" = survive ] && survived="^heapbug: never printed"
    if hb_check_banner "level $lv report" "$lv"; then
        if [ $hb_rc -eq 0 ] && grep -q "$survived" "$hb_out"; then
            echo "ok: level $lv, HAKMEM_ON_VIOLATION=report: went on, $(grep "^heapbug: survived" "$hb_out")"
        elif [ $hb_guard = 1 ] && [ "$hb_mutate" != survive ] && { [ $hb_rc -eq 139 ] || [ $hb_rc -eq 135 ]; }; then
            note "level $lv, report: a faulting read cannot go on: died of its signal (exit $hb_rc)"
        else
            fail "level $lv, HAKMEM_ON_VIOLATION=report: exit $hb_rc, or the program's check failed"
            hb_show
        fi
    fi

    # HAKMEM_STACKS=1 below level 4: the same report (capturing stacks must not break it),
    # with the stacks when the bug is found the way level 4 finds it (the same kind)
    if [ "$hb_low" -lt 4 ]; then
        hb_run stacks "$hb_rt" "$lv" "" HAKMEM_STACKS=1
        if hb_check_banner "level $lv HAKMEM_STACKS=1" "$lv"; then
            if [ "${hb_kind[$lv]}" = "${hb_kind[4]}" ]; then
                hb_check_stacks "level $lv HAKMEM_STACKS=1" && echo "ok: level $lv, HAKMEM_STACKS=1: stacks:${hb_stacks:- none}"
            else
                echo "ok: level $lv, HAKMEM_STACKS=1: the same report ($(grep -c '^hakmem:     #' "$hb_err") stack lines; level 4 finds it as ${hb_kind[4]})"
            fi
        fi
    fi

    hb_run level4-json "$hb_rt" 4 "" HAKMEM_REPORT_JSON="$hb_tmp/level4-json/report.jsonl"
    if hb_check_banner "level 4 (stacks, JSON)" 4; then
        hb_check_stacks "level 4" && echo "ok: level 4: stacks:${hb_stacks:- none}"
        hb_check_json "level 4" 4 "$hb_tmp/level4-json/report.jsonl" && echo "ok: level 4: JSON report"
    fi

    if [ $hb_failed = 0 ]; then echo "$hb_name: ok"; else echo "$hb_name: FAILED"; fi
    exit $hb_failed
}
