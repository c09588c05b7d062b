#!/usr/bin/env bash
# An application bug: a block freed twice by another thread (two remote frees). At level 0
# the block is on the owner's remote queue twice, its link pointing at itself, and the
# owner's next collect never ends: a hang. Level 1 catches the second free exactly.
source "$(dirname "$0")/lib/repro.bash"
repro_program double_free_xthread
expect_level0 hang
expect_catch 1 double_free
expect_catch 4 double_free
expect_culprit second_free
repro_check
