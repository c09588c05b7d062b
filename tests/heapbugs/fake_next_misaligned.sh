#!/usr/bin/env bash
# A pointer into another block of the class, off its start, written over a freed block's
# free-list link (level 1), or its poison (levels 2 and up).
source "$(dirname "$0")/lib/common.bash"
heapbug fake_next misaligned
catch_at 1 next_misaligned front_malloc
catch_at 2 use_after_free_write front_malloc
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
