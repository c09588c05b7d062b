#!/usr/bin/env bash
# A write to a freed block by a thread that exits, its slab abandoned with the block on its
# free list; then the main thread frees the slab's last live block: found as the emptied
# slab goes back to the pool (level 4: by the quarantine's check, as the thread's exit
# empties it).
source "$(dirname "$0")/lib/common.bash"
heapbug uaf_write_exited freed-later
catch_at 2 use_after_free_write slab_pool
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
