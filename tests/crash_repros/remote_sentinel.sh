#!/usr/bin/env bash
# Crash #6 of docs/TRIAGE.md: a remote-free queue spliced onto a slab's free list with its
# end marker 0xBADA55BADA55BADA left in the last link. Level 0 follows the marker and
# crashes; level 1 catches the marker when a list read meets it.
source "$(dirname "$0")/lib/repro.bash"
repro_fault remote_sentinel after=10
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_catch 1 sentinel_leak
expect_catch 4 sentinel_leak
expect_culprit fired
repro_check
