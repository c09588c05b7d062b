#!/usr/bin/env bash
# free() of a page from mmap.
source "$(dirname "$0")/lib/common.bash"
heapbug foreign_free mmap
catch_at 1 foreign_free slow_free
heapbug_check
