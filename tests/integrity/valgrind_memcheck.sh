#!/usr/bin/env bash
# Under valgrind, hakmem annotates its blocks with memcheck client requests, so memcheck
# reports uses after free and overflows of hakmem's blocks, with hakmem's layout kept
# (the block is hakmem's: its allocation stack goes through hak_bin_pop).
# --soname-synonyms=somalloc=nouserintercepts keeps memcheck from replacing the preloaded
# malloc with its own.
set -u
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
prog=$HAKMEM_BUILD/tests/integrity/valgrind_program
vg() { # level mode
    HAKMEM_INTEGRITY_LEVEL=$1 LD_PRELOAD=$HAKMEM_LIB valgrind -q --error-exitcode=9 \
        --soname-synonyms=somalloc=nouserintercepts "$prog" "$2" >"$TEST_TMPDIR/out" 2>&1
}
fail=0
check() { # description pattern...
    local what=$1; shift
    for pat in "$@"; do
        grep -q -- "$pat" "$TEST_TMPDIR/out" || { echo "FAIL $what: no '$pat' in:"; head -30 "$TEST_TMPDIR/out"; fail=1; return; }
    done
    echo "ok   $what"
}
vg 1 uaf; [ $? -eq 9 ] || { echo "FAIL level 1 uaf: memcheck found nothing"; fail=1; }
check "level 1 use after free" "Invalid write of size 1" "5 bytes inside a block of size 48 free'd" "hak_bin_pop"
vg 2 uaf; check "level 2 use after free" "Invalid write of size 1" "5 bytes inside a block of size 40 free'd"
vg 2 overflow; [ $? -eq 9 ] || { echo "FAIL level 2 overflow: memcheck found nothing"; fail=1; }
check "level 2 overflow" "Invalid read of size 1" "2 bytes after a block of size 40 alloc'd" "hak_bin_pop"
vg 4 uaf; check "level 4 use after free" "Invalid write of size 1" "5 bytes inside a block of size 40 free'd"
for lv in 1 2 4; do
    if vg $lv clean; then echo "ok   level $lv clean run: no memcheck error"
    else echo "FAIL level $lv clean run"; head -30 "$TEST_TMPDIR/out"; fail=1; fi
done
exit $fail
