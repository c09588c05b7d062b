#!/usr/bin/env bash
# Crash #7 of docs/TRIAGE.md: a drain that returns a block to its slab without decrementing
# the slab's used count. Level 0 is silent: the slab never looks empty and never goes back
# (slabs_in_use after freeing everything is higher). Levels 1 and 2 do not check counts;
# level 3 catches the drain (used + free == carved).
source "$(dirname "$0")/lib/repro.bash"
repro_fault drain_no_count after=10
expect_level0 leak
expect_below 2 none
expect_catch 3 slab_meta_invariant
expect_catch 4 slab_meta_invariant
expect_culprit fired
repro_check
