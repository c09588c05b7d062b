# shellcheck shell=bash disable=SC2034  # AVAIL, AVAIL_DESC: used by the sourcing scripts
# Shared by bench/compare.sh and bench/callgrind.sh (sourced, not run).
#
# Allocator names understood by ALLOCS:
#   glibc         the C library's malloc (no preload)
#   mimalloc      libmimalloc.so.2        (override the path with MIMALLOC_LIB)
#   jemalloc      libjemalloc.so.2        (JEMALLOC_LIB)
#   tcmalloc      libtcmalloc_minimal.so.4, else libtcmalloc.so.4 (TCMALLOC_LIB)
#   hakmem-lN     BUILD/lib/libhakmem-lN.so, integrity level N fixed at compile time
#   hakmem-rtN    BUILD/lib/libhakmem.so with HAKMEM_INTEGRITY_LEVEL=N
# A library that is missing is skipped with a note, never an error.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$REPO_ROOT/$BUILD ;; esac   # relative to the repo, as in make
HAKMEM_BENCH_LEVELS=${HAKMEM_BENCH_LEVELS:-0 1 2 3 4}

NOTES=()            # lines for the "Notes" list under the tables
note() { NOTES+=("$*"); echo "note: $*" >&2; }

# Prints the path of the first system library among the given file names, if any:
# first from the dynamic linker's cache (same ABI as libc), then from the usual dirs.
find_system_lib() {
    local ldconfig name path abi dir
    ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
    if [ -x "$ldconfig" ]; then
        abi=$("$ldconfig" -p 2>/dev/null | awk '$1 == "libc.so.6" { print $2; exit }')
        for name in "$@"; do
            path=$("$ldconfig" -p 2>/dev/null |
                awk -v n="$name" -v abi="$abi" '$1 == n && $2 == abi { print $NF; exit }')
            if [ -n "$path" ] && [ -e "$path" ]; then echo "$path"; return 0; fi
        done
    fi
    local multiarch
    multiarch=$(${CC:-cc} -print-multiarch 2>/dev/null)
    for name in "$@"; do
        for dir in ${multiarch:+/usr/lib/$multiarch} /usr/lib64 /usr/lib /usr/local/lib; do
            if [ -e "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
        done
    done
    return 1
}

# alloc_resolve NAME: sets ALLOC_LIB (the library to preload, empty for glibc),
# ALLOC_LEVEL (HAKMEM_INTEGRITY_LEVEL to set, or empty), ALLOC_TRACE (HAKMEM_TRACE to set,
# or empty: hakmem-rtN-rings is level N with the rings on) and ALLOC_DESC (what it is).
# Returns 1, with the reason in ALLOC_DESC, if the allocator is not available.
alloc_resolve() {
    local name=$1
    ALLOC_LIB='' ALLOC_LEVEL='' ALLOC_TRACE='' ALLOC_DESC=''
    case $name in
    glibc)
        ALLOC_DESC="glibc $(ldd --version 2>/dev/null | awk 'NR == 1 { print $NF }')"
        return 0 ;;
    mimalloc) ALLOC_LIB=${MIMALLOC_LIB:-$(find_system_lib libmimalloc.so.2 libmimalloc.so)} ;;
    jemalloc) ALLOC_LIB=${JEMALLOC_LIB:-$(find_system_lib libjemalloc.so.2 libjemalloc.so)} ;;
    tcmalloc) ALLOC_LIB=${TCMALLOC_LIB:-$(find_system_lib libtcmalloc_minimal.so.4 \
                  libtcmalloc_minimal.so libtcmalloc.so.4 libtcmalloc.so)} ;;
    hakmem-l[0-4]) ALLOC_LIB=$BUILD/lib/libhakmem-${name#hakmem-}.so ;;
    hakmem-rt[0-4]) ALLOC_LIB=$BUILD/lib/libhakmem.so; ALLOC_LEVEL=${name#hakmem-rt} ;;
    hakmem-rt[0-4]-rings)
        ALLOC_LIB=$BUILD/lib/libhakmem.so; ALLOC_LEVEL=${name#hakmem-rt}; ALLOC_LEVEL=${ALLOC_LEVEL%-rings}
        ALLOC_TRACE=1 ;;
    *)  ALLOC_DESC="unknown allocator name (see bench/common.sh)"; return 1 ;;
    esac
    if [ -z "$ALLOC_LIB" ]; then
        ALLOC_DESC="library not found (install it with make deps)"
        return 1
    fi
    if [ ! -e "$ALLOC_LIB" ]; then
        ALLOC_DESC="${ALLOC_LIB#"$REPO_ROOT"/} not found"
        case $name in hakmem-*) ALLOC_DESC+=" (build it with make)" ;; esac
        return 1
    fi
    ALLOC_DESC=$(basename "$(readlink -f "$ALLOC_LIB")")
    [ -n "$ALLOC_LEVEL" ] && ALLOC_DESC+=" with HAKMEM_INTEGRITY_LEVEL=$ALLOC_LEVEL"
    [ -n "$ALLOC_TRACE" ] && ALLOC_DESC+=" HAKMEM_TRACE=$ALLOC_TRACE"
    return 0
}

# The default allocator list, hakmem first.
default_allocs() {
    local l out="hakmem-l0"
    for l in $HAKMEM_BENCH_LEVELS; do out+=" hakmem-rt$l"; done
    echo "$out glibc mimalloc jemalloc tcmalloc"
}

# select_allocs: fills AVAIL (names, in order) and AVAIL_LIB/AVAIL_LEVEL/AVAIL_DESC
# (associative, by name) from ALLOCS or the default list; notes those skipped.
declare -A AVAIL_LIB AVAIL_LEVEL AVAIL_TRACE AVAIL_DESC
select_allocs() {
    local name reason
    local -A skipped=()        # reason -> names
    local -a reasons=()
    AVAIL=()
    for name in ${ALLOCS:-$(default_allocs)}; do
        if alloc_resolve "$name"; then
            AVAIL+=("$name")
            AVAIL_LIB[$name]=$ALLOC_LIB
            AVAIL_LEVEL[$name]=$ALLOC_LEVEL
            AVAIL_TRACE[$name]=$ALLOC_TRACE
            AVAIL_DESC[$name]=$ALLOC_DESC
        else
            [ -n "${skipped[$ALLOC_DESC]:-}" ] || reasons+=("$ALLOC_DESC")
            skipped[$ALLOC_DESC]+="${skipped[$ALLOC_DESC]:+, }$name"
        fi
    done
    for reason in "${reasons[@]}"; do
        note "skipping ${skipped[$reason]}: $reason"
    done
}

# with_alloc NAME CMD...: runs CMD with allocator NAME in effect (and nothing else
# preloaded).
with_alloc() {
    local name=$1; shift
    local -a envs=(-u LD_PRELOAD -u HAKMEM_INTEGRITY_LEVEL -u HAKMEM_TRACE)
    [ -n "${AVAIL_LIB[$name]}" ] && envs+=("LD_PRELOAD=${AVAIL_LIB[$name]}")
    [ -n "${AVAIL_LEVEL[$name]}" ] && envs+=("HAKMEM_INTEGRITY_LEVEL=${AVAIL_LEVEL[$name]}")
    [ -n "${AVAIL_TRACE[$name]}" ] && envs+=("HAKMEM_TRACE=${AVAIL_TRACE[$name]}")
    env "${envs[@]}" "$@"
}

# Builds the benchmark programs if any is missing or older than its sources (the
# Makefile does not know about bench_common.h, so a program older than it is removed).
ensure_bench_bins() {
    local src bin stale=0
    for src in "$BENCH_DIR"/*.c; do
        bin=$BUILD/bench/$(basename "$src" .c)
        if [ -e "$bin" ] && [ "$BENCH_DIR/bench_common.h" -nt "$bin" ]; then
            rm -f "$bin"
        fi
        if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
            stale=1
        fi
    done
    [ $stale -eq 0 ] && return 0
    echo "building the benchmarks (make bench-bins)" >&2
    make -s -C "$REPO_ROOT" BUILD="$BUILD" bench-bins >&2
}

# in_list WORD LIST: whether WORD is one of the words of LIST.
in_list() { [[ " $2 " == *" $1 "* ]]; }

# machine_line: one line describing the machine, for the report header.
machine_line() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
    echo "${cpu:-unknown CPU}, $(nproc) CPUs, Linux $(uname -r)"
}
