#!/usr/bin/env bash
# realloc() of a block already freed.
source "$(dirname "$0")/lib/common.bash"
heapbug realloc_freed
catch_at 1 double_free realloc
stacks alloc free
heapbug_check
