#!/usr/bin/env bash
# The classic bootstrapping case: a dlsym(RTLD_NEXT, ...) malloc wrapper preloaded in front of
# the allocator. The test program must work and the wrapper must have seen its calls; a real
# program (sort) must work the same way.
set -u
dir=$HAKMEM_BUILD/tests/api
wrapper=$dir/dlsym_wrapper.so
for f in "$wrapper" "$dir/dlsym_wrapper" "$HAKMEM_LIB"; do
    [ -e "$f" ] || { echo "missing $f"; exit 1; }
done

LD_PRELOAD="$wrapper $HAKMEM_LIB" DLSYM_WRAPPER_EXPECT="$HAKMEM_LIB" "$dir/dlsym_wrapper" || {
    echo "dlsym_wrapper failed under $wrapper $HAKMEM_LIB (exit $?)"; exit 1; }

want=$(seq 1 20000 | sort | md5sum)
got=$(seq 1 20000 | LD_PRELOAD="$wrapper $HAKMEM_LIB" sort | md5sum) || { echo "sort failed under the wrapper"; exit 1; }
[ "$got" = "$want" ] || { echo "sort under the wrapper gave different output"; exit 1; }
echo "dlsym_wrapper: ok"
