#!/usr/bin/env bash
# free() of a static array.
source "$(dirname "$0")/lib/common.bash"
heapbug foreign_free global
catch_at 1 foreign_free slow_free
heapbug_check
