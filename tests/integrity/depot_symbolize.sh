#!/usr/bin/env bash
# integrity/symbolize.c: live and offline lookups, odd input, the cache.
set -u
bin=$HAKMEM_BUILD/tests/integrity/depot_symbolize
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" && "$bin"
