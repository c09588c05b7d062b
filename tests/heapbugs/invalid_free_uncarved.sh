#!/usr/bin/env bash
# free() of a pointer into a slab's space that no block was carved from yet.
source "$(dirname "$0")/lib/common.bash"
heapbug invalid_free uncarved
catch_at 1 invalid_free front_free
stacks none
heapbug_check
