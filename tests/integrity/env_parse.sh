#!/usr/bin/env bash
# hak_env_read: every variable, good values parsed, bad ones reported in one exact line.
set -u
bin=$HAKMEM_BUILD/tests/integrity/env_parse
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" && "$bin"
