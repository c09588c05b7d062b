#!/usr/bin/env bash
# A block freed by its owner, then again by another thread (which checks it on the slow
# path).
source "$(dirname "$0")/lib/common.bash"
heapbug double_free_thread owner-first
catch_at 1 double_free slow_free
stacks alloc free !free_again
heapbug_check
