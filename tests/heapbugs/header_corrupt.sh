#!/usr/bin/env bash
# p[-16] written: the first byte of the block's header (its magic), found when it is freed.
source "$(dirname "$0")/lib/common.bash"
heapbug underflow 16 16
catch_at 2 header_corrupt front_free
stacks alloc
heapbug_check
