#!/usr/bin/env bash
# free() of a local array.
source "$(dirname "$0")/lib/common.bash"
heapbug foreign_free stack
catch_at 1 foreign_free slow_free
heapbug_check
