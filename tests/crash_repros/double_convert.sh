#!/usr/bin/env bash
# Crash #4 of docs/TRIAGE.md: BASE->USER applied twice on an allocation (USER+16 handed
# out). Level 0 overflows into the next block and crashes; level 2 catches the malloc
# itself (USER must be BASE plus the layout's offset); level 1 only later, when the
# overflow has broken the next block's free-list link.
source "$(dirname "$0")/lib/repro.bash"
repro_fault double_convert after=10
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_below 1 freelist_corrupt
expect_catch 2 user_base_mismatch
expect_catch 4 user_base_mismatch
expect_culprit fired
repro_check
