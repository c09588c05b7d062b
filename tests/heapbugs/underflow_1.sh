#!/usr/bin/env bash
# p[-1] written, found when the block is freed (the canary right before the block).
source "$(dirname "$0")/lib/common.bash"
heapbug underflow 1 1
catch_at 2 canary_underflow front_free
stacks alloc
heapbug_check
