#!/usr/bin/env bash
# hakmem-specific: at integrity level 0 a free of a pointer hakmem does not own is ignored.
# Run with the fixed level-0 library and with the run-time one at HAKMEM_INTEGRITY_LEVEL=0.
set -u
bin=$HAKMEM_BUILD/tests/api/foreign_free
l0=$HAKMEM_BUILD/lib/libhakmem-l0.so
rt=$HAKMEM_BUILD/lib/libhakmem.so
for f in "$l0" "$rt"; do
    [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
done
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }

LD_PRELOAD=$l0 "$bin" || { echo "foreign_free failed under $l0 (exit $?)"; exit 1; }
LD_PRELOAD=$rt HAKMEM_INTEGRITY_LEVEL=0 "$bin" || {
    echo "foreign_free failed under $rt with HAKMEM_INTEGRITY_LEVEL=0 (exit $?)"; exit 1; }
echo "foreign_free: ok at level 0, fixed and chosen at start-up"
