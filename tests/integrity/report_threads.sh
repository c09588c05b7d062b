#!/usr/bin/env bash
# Reports from several threads at once come out whole, one after the other.
set -u
bin=$HAKMEM_BUILD/tests/integrity/report_threads
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" && "$bin"
