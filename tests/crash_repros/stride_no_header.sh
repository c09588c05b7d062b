#!/usr/bin/env bash
# Crash #5 of docs/TRIAGE.md: carving a slab with a stride that leaves out the 16-byte
# header (so blocks overlap). Level 0 corrupts and crashes; level 1 catches the carve
# (carved blocks must land on the layout's block boundaries).
source "$(dirname "$0")/lib/repro.bash"
repro_fault stride_no_header after=10
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_catch 1 slab_meta_invariant
expect_catch 4 slab_meta_invariant
expect_culprit fired
repro_check
