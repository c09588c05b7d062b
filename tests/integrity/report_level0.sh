#!/usr/bin/env bash
# Level 0 has no integrity code: libhakmem-l0.so defines none of Box I's functions and
# needs nothing beyond libc (no libunwind). The run-time library has them all.
set -u
l0=$HAKMEM_BUILD/lib/libhakmem-l0.so
rt=$HAKMEM_BUILD/lib/libhakmem.so
command -v nm >/dev/null && command -v readelf >/dev/null || { echo "skipped: binutils missing"; exit 77; }
for f in "$l0" "$rt"; do [ -e "$f" ] || { echo "missing $f"; exit 1; }; done
fail=0
box_i='hak_(report|violation|kind_name|stack_|frame|symbolize|sym_|symcache|maps_find|signal_|guard_)|_U[Lx].*unw|unw_'
if nm "$l0" | grep -E " [A-Za-z] ($box_i)"; then
    echo "FAIL: integrity symbols in $l0 (above)"; fail=1
fi
if readelf -d "$l0" | grep NEEDED | grep -v 'libc\.so'; then
    echo "FAIL: $l0 needs more than libc (above)"; fail=1
fi
for s in hak_report hak_stack_capture hak_stack_print hak_signal_install hak_symbolize_self hak_kind_name; do
    nm "$rt" | grep -qE " [Tt] $s$" || { echo "FAIL: $rt lacks $s"; fail=1; }
done
readelf -d "$rt" | grep -q 'NEEDED.*libunwind' || { echo "FAIL: $rt does not link libunwind"; fail=1; }
[ $fail -eq 0 ] && echo "report_level0: ok"
exit $fail
