#!/usr/bin/env bash
# An application bug: a use after free that stores a list link (the address of a live
# block) into a freed block. At level 0 the stored pointer becomes a free-list link: the
# live block is handed out again and its contents read as a link: a crash. Level 1 catches
# the live block on a free list (freelist_corrupt); levels 2 and up the write itself, when
# the freed block's poison is checked (use_after_free_write; at level 4 when it leaves the
# quarantine). The viewer puts the culprit outside the trace, in the freed block, with the
# window opening at its free.
source "$(dirname "$0")/lib/repro.bash"
repro_program uaf_fake_link
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_below 2 use_after_free_write
expect_catch 1 freelist_corrupt
expect_catch 4 use_after_free_write
expect_culprit victim_window
repro_check
