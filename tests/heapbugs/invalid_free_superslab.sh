#!/usr/bin/env bash
# free() of the first byte of a mid-size block's superslab (its metadata). At level 2 and
# up, what would be its block's header lies before the superslab: the check must not read
# there (it once did, and died of SIGSEGV in the allocator).
source "$(dirname "$0")/lib/common.bash"
heapbug invalid_free superslab
catch_at 1 invalid_free front_free
stacks none
heapbug_check
