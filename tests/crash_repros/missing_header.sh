#!/usr/bin/env bash
# Crash #9 of docs/TRIAGE.md: a block handed out without its header written. Levels 0 and 1
# have no headers, so there is nothing to leave out: the fault never fires there and the
# run is the same as without it. Level 2 catches it when the block is freed (header_corrupt).
# The viewer names the allocation itself: a block popped for the program at level 2 or
# more must have a header_write before its alloc event.
source "$(dirname "$0")/lib/repro.bash"
repro_fault missing_header after=10
expect_level0 unaffected
expect_below 1 none
expect_catch 2 header_corrupt
expect_catch 4 header_corrupt
expect_culprit fired
repro_check
