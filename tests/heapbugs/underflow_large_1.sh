#!/usr/bin/env bash
# p[-1] written in a large block (200000 bytes): from level 2 the bytes right before it
# are guard bytes (the padding after its header), found when it is freed.
source "$(dirname "$0")/lib/common.bash"
heapbug underflow 1 1 200000
catch_at 2 canary_underflow slow_free
stacks alloc
heapbug_check
