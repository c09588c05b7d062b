#!/usr/bin/env bash
# A write to a freed block that is never asked for again: found at exit, by the sweep of
# the free blocks (level 4: by the quarantine's check, as the sweep empties it).
source "$(dirname "$0")/lib/common.bash"
heapbug uaf_write never
catch_at 2 use_after_free_write exit
catch_at 4 use_after_free_write quarantine
stacks alloc free
heapbug_check
