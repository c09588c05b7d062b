#!/usr/bin/env bash
# A byte written into the block malloc(0) returned, found when it is freed.
source "$(dirname "$0")/lib/common.bash"
heapbug malloc0_write
catch_at 2 canary_overflow front_free
stacks alloc
heapbug_check
