#!/usr/bin/env bash
# libhakmem.so sends malloc and free straight to the chosen level's code (src/api/entry.h):
# a jump at both entry points at levels 1 to 4, none at level 0, none in a fixed-level
# library, none when a tracer is attached before start-up. Each run also checks the
# contents of a few thousand blocks.
set -u
bin=$HAKMEM_BUILD/tests/api/entry_redirect
rt=$HAKMEM_BUILD/lib/libhakmem.so
l2=$HAKMEM_BUILD/lib/libhakmem-l2.so
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
for f in "$rt" "$l2"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
case $(uname -m) in x86_64) ;; *) echo "skipped: entry points are redirected on x86-64 only"; exit 77 ;; esac

fail=0
# expect WHAT ENV... -- ARGS: the program's output must be WHAT
expect() {
    local want=$1 out; shift
    out=$(env -u HAKMEM_INTEGRITY_LEVEL "$@" 2>&1)
    if [ "$out" != "$want" ]; then
        echo "FAIL: $*: got '$out', want '$want'"
        fail=1
    else
        echo "ok: $want: $*"
    fi
}
expect "malloc=inline free=inline" HAKMEM_INTEGRITY_LEVEL=0 LD_PRELOAD="$rt" "$bin"
for lv in 1 2 3 4; do
    expect "malloc=jmp free=jmp" HAKMEM_INTEGRITY_LEVEL=$lv LD_PRELOAD="$rt" "$bin"
done
expect "malloc=jmp free=jmp" LD_PRELOAD="$rt" "$bin"                       # the default, level 1
expect "malloc=jmp free=jmp" HAKMEM_TRACE=1 HAKMEM_INTEGRITY_LEVEL=2 LD_PRELOAD="$rt" "$bin"
expect "malloc=inline free=inline" LD_PRELOAD="$l2" "$bin"
if [ "$(HAKMEM_INTEGRITY_LEVEL=2 LD_PRELOAD="$rt" "$bin" --traced 2>&1)" = "ptrace unavailable" ]; then
    echo "note: ptrace is not allowed here: the case of a tracer is not checked"
else
    expect "malloc=inline free=inline" HAKMEM_INTEGRITY_LEVEL=2 LD_PRELOAD="$rt" "$bin" --traced
fi
exit $fail
