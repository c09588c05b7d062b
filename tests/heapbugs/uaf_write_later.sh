#!/usr/bin/env bash
# A write to a freed block, found when the block is reused after 12000 other operations
# (level 4: when it leaves the quarantine).
source "$(dirname "$0")/lib/common.bash"
heapbug uaf_write later
catch_at 2 use_after_free_write front_malloc
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
