#!/usr/bin/env bash
# python3 with PYTHONMALLOC=malloc, so that every Python object is allocated by malloc:
# runs data/alloc_heavy.py (mixed objects freed in random order, a large dict, sorting,
# JSON round trips, realloc-style growth, cyclic GC, objects freed by another thread)
# without and with the library preloaded; the printed checksums must be identical.
. "$(dirname "$0")/lib/common.bash"
rp_require python3

# Use the interpreter itself rather than any wrapper script found first on PATH.
PY=$(env -u LD_PRELOAD python3 -c 'import sys; print(sys.executable)') ||
    rp_die "python3 cannot report its own path"
rp_check_dynamic "$PY"
export PY SCRIPT=$RP_DATA/alloc_heavy.py
export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
unset PYTHONSTARTUP PYTHONPATH PYTHONHOME PYTHONDEVMODE PYTHONTRACEMALLOC PYTHONWARNINGS

workload() {
    "$PY" -c 'import os, sys; print(sys.version.split()[0], "PYTHONMALLOC=" + os.environ["PYTHONMALLOC"])'
    "$PY" "$SCRIPT"
}

same_output python -- workload
rp_done
