#!/usr/bin/env bash
# 1 byte written right after the requested size of a block the program never frees: found
# at exit, when the sweep checks the live blocks of a process with one thread left.
source "$(dirname "$0")/lib/common.bash"
heapbug overflow 1 136 kept
catch_at 2 canary_overflow exit
stacks alloc
heapbug_check
