#!/usr/bin/env bash
# A write to a freed block by a thread that exits with no live block left in the slab:
# found as the slab goes back to the pool, where carving would have written the block
# anew (level 4: by the quarantine's check, as the thread's exit empties it).
source "$(dirname "$0")/lib/common.bash"
heapbug uaf_write_exited released
catch_at 2 use_after_free_write slab_pool
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
