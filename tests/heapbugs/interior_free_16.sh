#!/usr/bin/env bash
# free(p + 16) of a live block of 136 bytes: an 8-byte aligned pointer, told apart from a
# block's start on the fast free path (docs/INTEGRITY.md).
source "$(dirname "$0")/lib/common.bash"
heapbug interior_free 16
catch_at 1 interior_free front_free
stacks alloc
heapbug_check
