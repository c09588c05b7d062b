#!/usr/bin/env bash
# Crash #9 of docs/TRIAGE.md: a block handed out without its header written. The fault
# hits the (after+1)-th allocation that has a header: from level 2 every block has one; at
# levels 0 and 1 only large blocks do (their mapping's size and offset), so the workload
# makes a few (-L 5: 5 in 1000 allocations). Level 0 cannot find the block when it is
# freed and keeps it mapped: memory never returned. Level 1 reports the large block's
# header (header_corrupt) at its free; level 2 and up the first block without a header,
# when it is freed. The viewer names the allocation itself: a block popped for the program
# at level 2 or more must have a header_write before its alloc event.
source "$(dirname "$0")/lib/repro.bash"
repro_fault missing_header after=10
repro_args -L 5
expect_level0 leak
expect_catch 1 header_corrupt
expect_also 2 header_corrupt
expect_catch 4 header_corrupt
expect_culprit fired
repro_check
