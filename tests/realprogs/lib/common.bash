# Shared helpers for tests/realprogs/*.sh: sourced, never run on its own (the test runner
# runs every tests/realprogs/*.sh as a test, which is why this file lives in lib/).
#
# A real-program test runs an installed program once without any preload (the baseline)
# and once per library under test with LD_PRELOAD=<library>, and requires every run to
# agree with the baseline byte for byte: stdout, exit status, stderr (unless told
# otherwise) and any output files it names.
#
# Environment:
#   HAKMEM_LIB              the library under test (default $HAKMEM_BUILD/lib/libhakmem.so)
#   HAKMEM_REALPROG_LIBS    optional space-separated list of libraries, each run and
#                           compared against the baseline in turn (default: $HAKMEM_LIB)
#   HAKMEM_REALPROG_TIMEOUT seconds allowed for a single run (default 300)
#   TEST_TMPDIR             scratch directory (a private one is made if unset)
# Everything else in the caller's environment (HAKMEM_* settings included) reaches every
# run unchanged; only LD_PRELOAD is set here (removed for the baseline).
#
# Functions:
#   rp_require PROG...        skip (exit 77) unless each program is installed
#   rp_check_dynamic PROG...  fail unless each is a dynamic ELF program that would load
#                             the libraries (a static one would silently test nothing)
#   same_output NAME [--no-stderr] [--file PATH]... -- CMD [ARGS...]
#                             the comparison itself; CMD may be a shell function
#   rp_done                   exit 0 if every comparison agreed, 1 otherwise
#   rp_log, rp_skip, rp_die   messages, skip, failure
#
# Typical use:
#   . "$(dirname "$0")/lib/common.bash"
#   rp_require python3
#   export SCRIPT=$RP_DATA/some.py          # functions see exported variables only
#   workload() { python3 "$SCRIPT"; }       # runs in a fresh, empty work directory
#   same_output python -- workload
#   rp_done

set -u
export LC_ALL=C TZ=UTC
umask 022

RP_NAME=$(basename "$0" .sh)
RP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # tests/realprogs
# shellcheck disable=SC2034 # used by the tests
RP_DATA=$RP_DIR/data                                        # tests/realprogs/data
RP_FAILED=0

if [ -z "${TEST_TMPDIR:-}" ]; then
    TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-realprog.XXXXXX")
    trap 'rm -rf "$TEST_TMPDIR"' EXIT
fi
export TEST_TMPDIR
: "${HAKMEM_LIB:=${HAKMEM_BUILD:-$RP_DIR/../../build}/lib/libhakmem.so}"
RP_TIMEOUT=${HAKMEM_REALPROG_TIMEOUT:-300}

rp_log()  { printf '%s: %s\n' "$RP_NAME" "$*"; }
rp_skip() { printf 'SKIP %s: %s\n' "$RP_NAME" "$*"; exit 77; }
rp_die()  { printf 'FAIL %s: %s\n' "$RP_NAME" "$*"; exit 1; }
rp_now()  { echo "${EPOCHREALTIME/./}"; }                      # microseconds
rp_secs() { printf '%d.%02d' $(($1 / 1000000)) $(($1 % 1000000 / 10000)); }
rp_cpu() { # sets RP_CPU: CPU microseconds (user + system) used by waited-for children so far
    local f=$TEST_TMPDIR/.rp_times line m s us=0    # (not in $(...): a subshell has its own)
    times >"$f"
    line=$(sed -n 2p "$f")                  # e.g. "0m1.234s 0m0.056s"
    for s in $line; do
        m=${s%%m*}; s=${s#*m}; s=${s%s}
        us=$((us + m * 60000000 + 10#${s%.*} * 1000000 + 10#${s#*.} * 1000))
    done
    RP_CPU=$us
}

# rp_require PROG...: skip the test unless every program is installed.
rp_require() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || rp_skip "$p is not installed"
    done
}

# The libraries to test, as absolute paths, each checked to exist and to really get
# loaded (a preload the dynamic loader refuses is only a warning to it, which would make
# every comparison pass without testing anything).
RP_LIBS=()
rp_init_libs() {    # (run on first need, so that a missing program is a skip, not a failure)
    local l abs maps
    for l in ${HAKMEM_REALPROG_LIBS:-$HAKMEM_LIB}; do
        [ -f "$l" ] || rp_die "library under test not found: $l"
        abs=$(cd "$(dirname "$l")" && pwd)/$(basename "$l")
        maps=$(LD_PRELOAD=$abs cat /proc/self/maps 2>"$TEST_TMPDIR/.rp_err") ||
            rp_die "cat fails with LD_PRELOAD=$abs: $(head -n 3 "$TEST_TMPDIR/.rp_err")"
        awk -v p="$(readlink -f "$abs")" '$6 == p { found = 1 } END { exit !found }' <<<"$maps" ||
            rp_die "LD_PRELOAD=$abs does not load the library: $(head -n 3 "$TEST_TMPDIR/.rp_err")"
        RP_LIBS+=("$abs")
    done
    [ ${#RP_LIBS[@]} -gt 0 ] || rp_die "no library to test (HAKMEM_LIB and HAKMEM_REALPROG_LIBS empty)"
}

# rp_check_dynamic BINARY...: each must be a dynamically linked ELF program that takes
# the preloaded library; a static program would ignore LD_PRELOAD and prove nothing.
rp_check_dynamic() {
    local b path trace l
    [ ${#RP_LIBS[@]} -gt 0 ] || rp_init_libs
    for b in "$@"; do
        path=$(command -v "$b") || rp_die "$b not found"
        path=$(readlink -f "$path")
        [ "$(head -c 4 "$path" | od -An -c | tr -d ' ')" = '177ELF' ] ||
            rp_die "$path is not an ELF program"
        if ! command -v ldd >/dev/null 2>&1; then
            rp_log "note: no ldd, not checking that $path takes the preload"; continue
        fi
        for l in "${RP_LIBS[@]}"; do
            # ldd lists a dynamic program's libraries (the preload first) without running it.
            trace=$(LD_PRELOAD=$l ldd "$path" 2>&1 </dev/null) || true
            grep -qF "$l (" <<<"$trace" ||
                rp_die "$path would not load $l (statically linked?): $(head -n 2 <<<"$trace")"
        done
    done
}

# Runs "$@" once, in a fresh work directory that has the same path on every run (so that
# paths recorded in outputs, e.g. by compilers, agree), under a time limit. "$@" may be
# a function of the calling script: it is run by a new bash that is given every function
# defined so far (variables must be exported to be seen), with set -eo pipefail.
# Results go to $RP_OUT/LABEL.{out,err,rc,time} and files listed with --file to LABEL.files/.
RP_OUT=$TEST_TMPDIR/realprog-out
RP_WORK=$TEST_TMPDIR/work
_rp_run() { # label preload(or empty) files-var cmd...
    local label=$1 preload=$2 t0 t1 c0 c1 rc f; shift 2
    local -n _rp_files=$1; shift
    rm -rf "$RP_WORK"; mkdir -p "$RP_WORK" "$RP_OUT"
    t0=$(rp_now); rp_cpu; c0=$RP_CPU
    (
        cd "$RP_WORK" || exit 125
        if [ -n "$preload" ]; then export LD_PRELOAD=$preload; else unset LD_PRELOAD; fi
        exec timeout -k 10 "$RP_TIMEOUT" bash -c "$(declare -f)"'
set -eo pipefail
"$@"' realprog "$@"
    ) >"$RP_OUT/$label.out" 2>"$RP_OUT/$label.err" </dev/null
    rc=$?
    t1=$(rp_now); rp_cpu; c1=$RP_CPU
    echo "$rc" >"$RP_OUT/$label.rc"
    echo $((t1 - t0)) >"$RP_OUT/$label.time"
    echo $((c1 - c0)) >"$RP_OUT/$label.cpu"
    rm -rf "$RP_OUT/$label.files"; mkdir -p "$RP_OUT/$label.files"
    for f in "${_rp_files[@]}"; do
        if [ -e "$RP_WORK/$f" ]; then
            mkdir -p "$RP_OUT/$label.files/$(dirname "$f")"
            mv "$RP_WORK/$f" "$RP_OUT/$label.files/$f"
        fi
    done
    rm -rf "$RP_WORK"
}

_rp_describe() { # label title
    local o=$RP_OUT/$1 extra=
    [ "$(cat "$o.rc")" = 124 ] && extra=" (timed out after ${RP_TIMEOUT}s)"
    printf '%-18s exit %s%s, %ss (cpu %ss), stdout %s bytes sha256 %.16s, stderr %s bytes\n' \
        "$2:" "$(cat "$o.rc")" "$extra" "$(rp_secs "$(cat "$o.time")")" "$(rp_secs "$(cat "$o.cpu")")" \
        "$(wc -c <"$o.out")" "$(sha256sum <"$o.out")" "$(wc -c <"$o.err")"
}

# _rp_diff WHAT base-file other-file: explain how two files differ, briefly.
_rp_diff() {
    local what=$1 a=$2 b=$3
    echo "  -- $what differs: baseline $(wc -c <"$a") bytes sha256 $(sha256sum <"$a" | cut -c1-16)," \
         "preloaded $(wc -c <"$b") bytes sha256 $(sha256sum <"$b" | cut -c1-16)"
    echo "     first difference: $(cmp "$a" "$b" 2>&1 | head -n 1 | sed "s|$a|baseline|; s|$b|preloaded|")"
    if grep -qI . "$a" 2>/dev/null && grep -qI . "$b" 2>/dev/null || [ ! -s "$a" ] || [ ! -s "$b" ]; then
        diff -u --label "$what (baseline)" --label "$what (preloaded)" "$a" "$b" |
            head -n 40 | sed 's/^/     /'
    else
        echo "     first differing bytes (offset, octal baseline, octal preloaded):"
        cmp -l "$a" "$b" 2>/dev/null | head -n 10 | sed 's/^/     /'
    fi
}

# same_output NAME [--no-stderr] [--file PATH]... -- CMD [ARGS...]
# Runs CMD without preload and then with each library preloaded; returns non-zero (and
# says why) unless every run matches the baseline. The baseline itself must exit 0 and
# print something, so a broken test cannot pass by failing the same way twice.
same_output() {
    local name=$1 cmp_err=1 files=() l i=0 label ok=1 b base f; shift
    while [ $# -gt 0 ]; do
        case $1 in
            --no-stderr) cmp_err=0; shift ;;
            --file) files+=("$2"); shift 2 ;;
            --) shift; break ;;
            *) rp_die "same_output: unknown option $1" ;;
        esac
    done
    [ $# -gt 0 ] || rp_die "same_output: no command"
    [ ${#RP_LIBS[@]} -gt 0 ] || rp_init_libs

    base=$name.baseline
    _rp_run "$base" "" files "$@"
    _rp_describe "$base" "$name baseline"
    b=$RP_OUT/$base
    if [ "$(cat "$b.rc")" != 0 ] || [ ! -s "$b.out" ]; then
        echo "  -- the baseline run (no preload) failed or printed nothing; stdout tail:"
        tail -n 5 "$b.out" | sed 's/^/     /'
        echo "     stderr tail:"
        tail -n 15 "$b.err" | sed 's/^/     /'
        rp_die "the baseline run of '$name' (without the library) is broken: nothing to compare against"
    fi
    for f in "${files[@]}"; do
        [ -e "$b.files/$f" ] || rp_die "the baseline run of '$name' did not produce $f"
    done

    for l in "${RP_LIBS[@]}"; do
        i=$((i + 1)); label=$name.preload$i
        echo "$name preload #$i: LD_PRELOAD=$l"
        _rp_run "$label" "$l" files "$@"
        _rp_describe "$label" "$name preload #$i"
        local o=$RP_OUT/$label bad=0
        if [ "$(cat "$o.rc")" != "$(cat "$b.rc")" ]; then
            echo "  -- exit status differs: baseline $(cat "$b.rc"), preloaded $(cat "$o.rc"); stderr tail:"
            tail -n 15 "$o.err" | sed 's/^/     /'
            bad=1
        fi
        cmp -s "$b.out" "$o.out" || { _rp_diff stdout "$b.out" "$o.out"; bad=1; }
        if [ $cmp_err = 1 ]; then
            cmp -s "$b.err" "$o.err" || { _rp_diff stderr "$b.err" "$o.err"; bad=1; }
        elif grep -q 'ld\.so.*preload' "$o.err"; then
            echo "  -- the dynamic loader complained:"; grep 'ld\.so' "$o.err" | head -n 3 | sed 's/^/     /'
            bad=1
        fi
        for f in "${files[@]}"; do
            if [ ! -e "$o.files/$f" ]; then
                echo "  -- $f was not produced by the preloaded run"; bad=1
            elif ! cmp -s "$b.files/$f" "$o.files/$f"; then
                _rp_diff "$f" "$b.files/$f" "$o.files/$f"; bad=1
            fi
        done
        if [ $bad = 0 ]; then
            echo "$name preload #$i: identical to the baseline"
        else
            echo "$name preload #$i: MISMATCH with LD_PRELOAD=$l"
            ok=0
        fi
        rm -rf "$o.files"
    done
    rm -rf "$b.files"
    [ $ok = 1 ] || RP_FAILED=1
    [ $ok = 1 ]
}

# rp_done: the test's exit status, once all comparisons have run.
rp_done() {
    if [ "$RP_FAILED" != 0 ]; then
        echo "FAIL $RP_NAME: output differs when running under the library (see above)"
        exit 1
    fi
    echo "PASS $RP_NAME"
    exit 0
}
