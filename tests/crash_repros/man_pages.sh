#!/usr/bin/env bash
# The man pages of docs/man/ render without a warning (groff -man -ww, man --warnings,
# mandoc -Tlint or nroff -man -ww: those installed), fit 80 columns, name every option
# hakmem-run and hakmem-trace take, and `make install-man` puts them in man1 and man3.
# Skipped when no formatter is installed.
set -u
src=${HAKMEM_SRC:?} T=${TEST_TMPDIR:?}
pages=("$src"/docs/man/*.[13])
[ -e "${pages[0]}" ] || { echo "FAIL: no man pages in docs/man"; exit 1; }
tools=()
command -v groff >/dev/null && tools+=(groff)
command -v man >/dev/null && tools+=(man)
command -v mandoc >/dev/null && tools+=(mandoc)
[ ${#tools[@]} -eq 0 ] && command -v nroff >/dev/null && tools+=(nroff)
[ ${#tools[@]} -gt 0 ] || { echo "SKIP: no groff, man, mandoc or nroff installed"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
for p in "${pages[@]}"; do
    n=$(basename "$p")
    for t in "${tools[@]}"; do
        case $t in
        groff) groff -man -ww -Tutf8 -z "$p" >"$T/w" 2>&1 ;;
        man) MANWIDTH=80 man --warnings -l "$p" 2>"$T/w" >"$T/$n.txt" ;;
        mandoc) mandoc -Tlint -W warning "$p" >"$T/w" 2>&1 ;;
        nroff) nroff -man -ww "$p" 2>"$T/w" >"$T/$n.txt" ;;
        esac
        if [ -s "$T/w" ]; then fail "$n: $t warns:"; sed 's/^/    | /' "$T/w" | head; else echo "ok: $n: $t renders it without a warning"; fi
    done
    if [ -s "$T/$n.txt" ]; then
        long=$(awk 'length($0) > 80' "$T/$n.txt" | head -n 3)
        [ -z "$long" ] && echo "ok: $n: fits 80 columns" || { fail "$n: lines over 80 columns:"; echo "$long"; }
    fi
done
# every option of the usage texts is in the pages
opts=$(bash "$src/tools/hakmem-run" --help | grep -o -- '--[a-z-]*' | sort -u)
for o in $opts; do # roff writes every - of an option as \-
    grep -qF -- "${o//-/\\-}" "$src/docs/man/hakmem-run.1" || fail "hakmem-run.1 does not document $o"
done
for o in summary replay history tail export '\\-\\-history' '\\-\\-no\\-symbols' '\\-\\-format' '\\-\\-thread' '\\-\\-json'; do
    grep -q -- "$o" "$src/docs/man/hakmem-trace.1" || fail "hakmem-trace.1 does not document $o"
done
for v in HAKMEM_INTEGRITY_LEVEL HAKMEM_ON_VIOLATION HAKMEM_TRACE HAKMEM_TRACE_RING HAKMEM_TRACE_DUMP HAKMEM_STACKS \
    HAKMEM_GUARD HAKMEM_LTTNG HAKMEM_REPORT HAKMEM_REPORT_JSON HAKMEM_STATS HAKMEM_INJECT hak_check_heap hak_trace_dump; do
    grep -q "$v" "$src/docs/man/hakmem.3" || fail "hakmem.3 does not document $v"
done
[ $fails -eq 0 ] && echo "ok: every option and variable is documented"
# make install-man
if command -v make >/dev/null; then
    if make -s -C "$src" install-man DESTDIR="$T/dest" PREFIX=/usr >"$T/install.log" 2>&1 &&
        [ -f "$T/dest/usr/share/man/man1/hakmem-run.1" ] && [ -f "$T/dest/usr/share/man/man1/hakmem-trace.1" ] &&
        [ -f "$T/dest/usr/share/man/man3/hakmem.3" ]; then
        echo "ok: make install-man DESTDIR=... PREFIX=/usr: man1/hakmem-run.1 man1/hakmem-trace.1 man3/hakmem.3"
    else
        fail "make install-man"; sed 's/^/    | /' "$T/install.log" | head
    fi
fi
[ $fails -eq 0 ]
