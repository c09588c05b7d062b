#!/usr/bin/env bash
# A read of a freed block: guarded mode (HAKMEM_GUARD=all, level 4) only.
source "$(dirname "$0")/lib/common.bash"
heapbug uaf_read
heapbug_env HAKMEM_GUARD=all
catch_at 4 use_after_free_access guard
stacks alloc free
heapbug_check
