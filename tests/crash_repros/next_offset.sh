#!/usr/bin/env bash
# Crash #1 of docs/TRIAGE.md: a free-list link written one byte past its slot in the 8-byte
# class (class 0), so the 8-byte link overlaps the next block. Level 0 crashes; level 1
# catches the write itself (the link slot is checked against the layout table).
source "$(dirname "$0")/lib/repro.bash"
repro_fault next_offset after=10
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_catch 1 next_misaligned
expect_catch 4 next_misaligned
expect_culprit fired
repro_check
