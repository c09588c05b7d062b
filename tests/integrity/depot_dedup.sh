#!/usr/bin/env bash
# The stack depot: deduplication, ids, skip, symbolized printing, threads.
set -u
bin=$HAKMEM_BUILD/tests/integrity/depot_dedup
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" && "$bin"
