#!/usr/bin/env bash
# free(p + 1) of a live block of 136 bytes: a pointer not 8-byte aligned goes to the slow
# free path, which finds the block around it (docs/INTEGRITY.md).
source "$(dirname "$0")/lib/common.bash"
heapbug interior_free 1
catch_at 1 interior_free slow_free
stacks alloc
heapbug_check
