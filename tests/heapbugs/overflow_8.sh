#!/usr/bin/env bash
# 8 byte(s) written right after the requested size of a block, found when it is freed.
source "$(dirname "$0")/lib/common.bash"
heapbug overflow 8
catch_at 2 canary_overflow front_free
stacks alloc
heapbug_check
