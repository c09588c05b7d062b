#!/usr/bin/env bash
# Crash #2 of docs/TRIAGE.md, the 16-byte offset: a USER pointer (BASE+16) pushed on a
# thread list of class 1 as if it were a BASE. At level 0 (no header: 16 bytes is one
# class-1 block) the neighbour block is handed out twice: silent corruption, then a crash.
# Level 2 catches the push itself; level 1 only later, when the list is read.
source "$(dirname "$0")/lib/repro.bash"
repro_fault user_as_base after=10
expect_level0 crash 'SIGSEGV|SIGBUS'
expect_below 1 freelist_corrupt
expect_catch 2 user_base_mismatch
expect_catch 4 user_base_mismatch
expect_culprit fired
repro_check
