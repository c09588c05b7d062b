#!/usr/bin/env bash
# Prints the cost of a stack capture (no timing assertion: machines differ).
set -u
bin=$HAKMEM_BUILD/tests/integrity/depot_bench
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
"$bin" "${DEPOT_BENCH_ITERS:-200000}"
