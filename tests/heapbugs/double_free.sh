#!/usr/bin/env bash
# A block freed twice by the thread that allocated it.
source "$(dirname "$0")/lib/common.bash"
heapbug double_free
catch_at 1 double_free front_free
stacks alloc free !free_again
heapbug_check
