#!/usr/bin/env bash
# make demo: the main job on a bundled example. A multithreaded program whose heap gets
# corrupted by an allocator bug (the 16-byte offset, crash #2 of docs/TRIAGE.md): first
# as it crashes in production (level 0), then run through hakmem-run at level 4: the
# violation report, and the viewer's replay naming the operation that corrupted the heap.
# The Makefile's demo target builds everything first (make all); run alone, this script
# builds what it needs.
set -u
cd "$(dirname "$0")/.." || exit 1
B=build
prog=$B/tests/crash_repros/crash_workload
inj=$B/lib/libhakmem-inject.so
run=$B/bin/hakmem-run
fault=user_as_base,after=10
for f in "$prog" "$inj" "$run" "$B/bin/hakmem-trace"; do
    [ -e "$f" ] || { echo "demo: $f is missing: running make"; make --no-print-directory all || exit 1; break; }
done
ulimit -c 0
rule() { printf '\n%s\n%s\n' "$1" "$(printf '%*s' ${#1} '' | tr ' ' =)"; }
sig_of() { [ "$1" -gt 128 ] && echo " (killed by SIG$(kill -l $(($1 - 128))))"; }

cat <<EOF
hakmem demo: a heap corruption, from the crash to the operation that caused it

The program, $prog
(tests/crash_repros/crash_workload.c), runs threads that allocate blocks of mixed
sizes, fill each with a pattern, hand some to other threads to free, and check every
pattern before freeing. It runs under $inj:
hakmem with one allocator bug armed, HAKMEM_INJECT=$fault: the 11th time a
block of the 16-byte class goes back on a thread's free list, its USER pointer is pushed
instead of its BASE. Without headers (level 0) that is the next block: it is handed out
twice.
EOF

rule "1. In production: integrity level 0"
echo "\$ HAKMEM_INJECT=$fault HAKMEM_INTEGRITY_LEVEL=0 LD_PRELOAD=$inj $prog"
# (its stderr merged into stdout, so that the lines keep their order through a pipe; the
# shell's own "Segmentation fault" notice is dropped)
{ (exec env HAKMEM_INJECT=$fault HAKMEM_INTEGRITY_LEVEL=0 LD_PRELOAD="$inj" timeout 20 "$prog" 2>&1); } 2>/dev/null
rc=$?
echo "[exit status $rc$(sig_of $rc)]"
cat <<EOF

The program saw a block change while it was in use, and then died somewhere else. Nothing
says which allocator operation went wrong, or when.
EOF

rule "2. The same run through hakmem-run, at integrity level 4"
dir=$B/demo
rm -rf "$dir"
echo "\$ HAKMEM_INJECT=$fault $run --level 4 --lib $inj --dump-dir $dir -- $prog"
log=$(mktemp "${TMPDIR:-/tmp}/hakmem-demo.XXXXXX")
trap 'rm -f "$log"' EXIT
HAKMEM_INJECT=$fault "$run" --level 4 --lib "$inj" --dump-dir "$dir" -- "$prog" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "[exit status $rc$(sig_of $rc)]"

rule "3. Did the viewer name the right operation?"
fired=$(sed -n 's/^hakmem-inject: fired user_as_base seq=\([0-9]*\) .*/\1/p' "$log")
culprit=$(sed -n 's/^culprit:    seq \([0-9]*\),.*/\1/p' "$log" | head -n 1)
ptr=$(sed -n 's/^culprit:    seq [0-9]*, .* ptr \(0x[0-9a-f]*\),.*/\1/p' "$log" | head -n 1)
dump=$(ls "$dir"/*.htrace 2>/dev/null | head -n 1)
echo "The fault fired at seq ${fired:-?} (its 'hakmem-inject: fired' line above is the ground truth);"
echo "hakmem-trace names the culprit at seq ${culprit:-?}."
if [ -n "$fired" ] && [ "$fired" = "$culprit" ]; then
    echo "The same operation: the push of the 16-byte-off pointer, found where it happened, not where it crashed."
else
    echo "They differ: see docs/TRIAGE.md."
fi
cat <<EOF

Everything is in $dir: the report (report.txt, report.jsonl), the trace dump, the replay.
Explore the dump:  $B/bin/hakmem-trace history ${ptr:-ADDR} $dump
The walkthrough:   docs/TRIAGE.md        The tests:  make check T=crash_repros
EOF
