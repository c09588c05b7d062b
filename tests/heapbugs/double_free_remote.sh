#!/usr/bin/env bash
# A block freed by another thread (a remote free), then again by its owner.
source "$(dirname "$0")/lib/common.bash"
heapbug double_free_thread other-first
catch_at 1 double_free front_free
stacks alloc free !free_again
heapbug_check
