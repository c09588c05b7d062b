#!/usr/bin/env bash
# A large block (1 MiB, a mapping of its own) freed twice by the thread that allocated it.
source "$(dirname "$0")/lib/common.bash"
heapbug double_free 1048576
catch_at 1 double_free slow_free
stacks alloc free !free_again
heapbug_check
