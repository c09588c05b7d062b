#!/usr/bin/env bash
# A pointer into a block of the class in another slab, off its start, written over a freed
# block's free-list link (level 1), or its poison (levels 2 and up). With HAKMEM_STACKS=1 at
# level 1 the report must not look the block's stacks up in the other slab's table.
source "$(dirname "$0")/lib/common.bash"
heapbug fake_next misaligned-far
catch_at 1 next_misaligned front_malloc
catch_at 2 use_after_free_write front_malloc
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
