#!/usr/bin/env bash
# A read one byte past the end of a block: guarded mode (HAKMEM_GUARD=all, level 4) only.
source "$(dirname "$0")/lib/common.bash"
heapbug overread
heapbug_env HAKMEM_GUARD=all
catch_at 4 guard_overflow guard
stacks alloc
heapbug_check
