#!/usr/bin/env bash
# Crash #3 of docs/TRIAGE.md: a slab's last block filed under the next slab (its slab index
# computed from the wrong end of the block) when a thread cache drains. At level 0 both
# slabs' counts go wrong: in this run the slabs never go back (more slabs in use after
# everything was freed). Level 1 catches the drain (the block is not in the slab).
source "$(dirname "$0")/lib/repro.bash"
repro_fault slab_index_user after=6
expect_level0 leak
expect_catch 1 slab_meta_invariant
expect_catch 4 slab_meta_invariant
expect_culprit fired
repro_check
