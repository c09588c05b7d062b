#!/usr/bin/env bash
# 1 byte written right after the requested size of a large block (200000 bytes, a mapping
# of its own), found when it is freed: from level 2 the bytes after the size are a tail
# sentinel, as in blocks of slabs.
source "$(dirname "$0")/lib/common.bash"
heapbug overflow 1 200000
catch_at 2 canary_overflow slow_free
stacks alloc
heapbug_check
