#!/usr/bin/env bash
# make demo: runs programs under libhakmem.so and prints what the allocator did.
set -eu
cd "$(dirname "$0")/.."
lib=$PWD/build/lib/libhakmem.so
run() {
    echo
    echo "\$ HAKMEM_STATS=1 LD_PRELOAD=build/lib/libhakmem.so $*"
    HAKMEM_STATS=1 HAKMEM_INTEGRITY_LEVEL=0 LD_PRELOAD=$lib "$@"
}
echo "hakmem demo: the allocator at integrity level 0 (production speed)"
run build/bench/bench_random_mixed 2000000 8192 42
run build/bench/bench_larson 2 20 16 1040 1000 7
if command -v python3 >/dev/null; then
    run env PYTHONMALLOC=malloc python3 -c 'import json; d = {str(i): [i] * (i % 7) for i in range(200000)}; print("python3:", len(json.dumps(d)), "bytes of JSON")'
fi
