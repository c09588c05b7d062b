#!/usr/bin/env bash
# hak_create_file: mode 0600, no symbolic links followed, nothing overwritten, numbered names.
set -u
bin=$HAKMEM_BUILD/tests/integrity/file_create
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
cd "${TEST_TMPDIR:-$(mktemp -d)}" && "$bin"
