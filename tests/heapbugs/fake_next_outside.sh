#!/usr/bin/env bash
# A pointer to a global written over a freed block's free-list link (level 1), or its
# poison (levels 2 and up).
source "$(dirname "$0")/lib/common.bash"
heapbug fake_next outside
catch_at 1 freelist_corrupt front_malloc
catch_at 2 use_after_free_write front_malloc
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
