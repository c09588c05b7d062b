#!/usr/bin/env bash
# p[-64] written in a large block (200000 bytes, a mapping of its own): the first byte of
# the header that holds the mapping's size, found when the block is freed. Large blocks
# have that header at every level, so level 1 catches it.
source "$(dirname "$0")/lib/common.bash"
heapbug underflow 64 64 200000
catch_at 1 header_corrupt slow_free
stacks none
heapbug_check
