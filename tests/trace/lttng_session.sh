#!/usr/bin/env bash
# LTTng end to end: a workload under libhakmem.so with HAKMEM_LTTNG=1, recorded by a
# session enabling hakmem:*, read back with babeltrace2. Checks, per integrity level:
#   - one hakmem:geometry and 49 hakmem:layout events with the allocator's values;
#   - no event outside trace/events.def, and seq unique across threads;
#   - in each workload thread, between its two marker allocations, exactly as many
#     hakmem:alloc and hakmem:free events as the workload made malloc and free calls,
#     every free of a pointer that an alloc handed out and that was still live.
# Also: with a daemon running but no session, the workload runs normally.
set -u
build=${HAKMEM_BUILD:?} src=${HAKMEM_SRC:?} tmp=${TEST_TMPDIR:?}
lib=$build/lib/libhakmem.so workload=$build/tests/trace/lttng_workload
levels=${LTTNG_TEST_LEVELS:-1 3}
threads=3
command -v python3 >/dev/null || { echo "SKIP: python3 not installed (make deps)"; exit 77; }
# shellcheck source=trace/lttng/session.bash
source "$src/trace/lttng/session.bash"
lt_test_setup "$lib" "$build/lib/libhakmem-lttng.so" "$workload"

run_workload() { # LEVEL OUT ERR
    env LD_PRELOAD="$lib" HAKMEM_LTTNG=1 HAKMEM_INTEGRITY_LEVEL="$1" LTTNG_UST_ALLOW_BLOCKING=1 \
        "$workload" --threads "$threads" >"$2" 2>"$3"
}

# A daemon but no session: tracepoints are all off, the program must not notice.
if ! run_workload 1 "$tmp/nosession.out" "$tmp/nosession.err" ||
    ! grep -q "^lttng_workload: threads=$threads " "$tmp/nosession.out"; then
    echo "FAIL: workload with HAKMEM_LTTNG=1, daemon running, no session"
    cat "$tmp/nosession.out" "$tmp/nosession.err"; exit 1
fi

fail=0
for lv in $levels; do
    session=$(lt_unique_name "session-l$lv") dir=$tmp/trace-l$lv
    # Blocking channel: the app waits rather than discard, so the counts are exact.
    lt_session_start "$session" "$dir" "--blocking-timeout=inf" 'hakmem:*' ||
        { echo "FAIL: could not set up the session"; exit 1; }
    run_workload "$lv" "$tmp/l$lv.out" "$tmp/l$lv.err"; rc=$?
    lt_session_end "$session"
    if [ $rc -ne 0 ]; then
        echo "FAIL: level $lv: workload exited $rc"; cat "$tmp/l$lv.err"; fail=1; continue
    fi
    if [ -z "$(find "$dir" -name metadata 2>/dev/null)" ]; then   # no app recorded anything
        echo "FAIL: level $lv: no trace at all (the provider not loaded?): $(cat "$tmp/l$lv.err")"; fail=1
        continue
    fi
    babeltrace2 "$dir" >"$tmp/l$lv.bt" 2>"$tmp/l$lv.bterr" ||
        { echo "FAIL: level $lv: babeltrace2 could not read the trace"; cat "$tmp/l$lv.bterr"; fail=1; continue; }
    if grep -qi discarded "$tmp/l$lv.bterr"; then
        echo "FAIL: level $lv: events were discarded"; cat "$tmp/l$lv.bterr"; fail=1; continue
    fi
    python3 - "$tmp/l$lv.bt" "$lv" "$(getconf PAGESIZE)" "$(cat "$tmp/l$lv.out")" \
        "$src/trace/events.def" <<'PYEOF'
import re, sys
from collections import defaultdict
path, level, page, out, events_def = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
m = re.search(r'threads=(\d+) malloc=(\d+) free=(\d+) mark=(\d+)', out)
threads, n_malloc, n_free, mark = map(int, m.groups())
schema = set(re.findall(r'^HAK_EVENT\((\w+),', open(events_def).read(), re.M))
line_re = re.compile(r' hakmem:(\w+): .*\{ ([^{}]*) \}$')
evs = []
for line in open(path):
    m = line_re.search(line)
    if m:
        f = dict(kv.split(' = ') for kv in m.group(2).split(', '))
        evs.append((m.group(1), {k: int(v, 0) for k, v in f.items()}))
errors = []
def check(cond, msg):
    if not cond: errors.append(msg)

geo = [f for n, f in evs if n == 'geometry']
check(len(geo) == 1, f'{len(geo)} geometry events, expected 1')
if geo:
    g = geo[0]
    want = dict(superslab_size=1 << 21, remote_end=0xBADA55BADA55BADA, page_size=page,
                nclasses=49, tiny_max=1024, pool_max=131072, level=level,
                block_header=16 if level >= 2 else 0)
    for k, v in want.items():
        check(g[k] == v, f'geometry {k}={g[k]:#x}, expected {v:#x}')
    check(0 < g['superslab_header'] < g['superslab_size'], f'geometry superslab_header={g["superslab_header"]}')
lay = sorted((f for n, f in evs if n == 'layout'), key=lambda f: f['class'])
check([f['class'] for f in lay] == list(range(49)), f'layout classes {[f["class"] for f in lay]}, expected 0..48 once each')
if len(lay) == 49:
    check(all(a['size'] < b['size'] for a, b in zip(lay, lay[1:])), 'layout sizes not increasing')
    check(lay[-1]['size'] == 131072, 'largest class is not pool_max')
    for f in lay:
        tiny = f['size'] <= 1024
        check(f['kind'] == (1 if tiny else 2), f'class {f["class"]}: kind {f["kind"]}')
        check(f['slab_shift'] == (16 if tiny else 19), f'class {f["class"]}: slab_shift {f["slab_shift"]}')
        check(f['user_off'] == (16 if level >= 2 else 0), f'class {f["class"]}: user_off {f["user_off"]}')
        check(f['next_off'] == (8 if level >= 2 else 0), f'class {f["class"]}: next_off {f["next_off"]}')
        check(f['stride'] >= f['size'] + f['user_off'], f'class {f["class"]}: stride {f["stride"]}')

sch = [(n, f) for n, f in evs if n not in ('geometry', 'layout')]
unknown = {n for n, f in sch} - schema
check(not unknown, f'events outside events.def: {sorted(unknown)}')
seqs = [f['seq'] for n, f in sch]
check(len(seqs) == len(set(seqs)), f'{len(seqs) - len(set(seqs))} duplicate seq numbers')
allocs = [f for n, f in sch if n == 'alloc']
if not allocs:
    errors.append('no hakmem:alloc events (geometry and layout were checked)')
    for e in errors: print('ERROR:', e)
    sys.exit(1)

by_tid = defaultdict(list)
for n, f in sch:
    by_tid[f['tid']].append((f['seq'], n, f))
brackets = 0
for tid, lst in by_tid.items():
    lst.sort(key=lambda x: x[0])
    marks = [i for i, (s, n, f) in enumerate(lst) if n == 'alloc' and f['size'] == mark]
    check(len(marks) % 2 == 0, f'tid {tid}: {len(marks)} marker allocations')
    for b, e in zip(marks[0::2], marks[1::2]):
        brackets += 1
        live, a_n, f_n = set(), 0, 0
        for s, n, f in lst[b + 1:e]:
            if n == 'alloc':
                a_n += 1
                check(f['ptr'] not in live, f'tid {tid} seq {s}: alloc of live {f["ptr"]:#x}')
                live.add(f['ptr'])
            elif n == 'free':
                f_n += 1
                check(f['ptr'] in live, f'tid {tid} seq {s}: free of {f["ptr"]:#x}, not handed out')
                live.discard(f['ptr'])
        check(a_n == n_malloc, f'tid {tid}: {a_n} alloc events, the workload made {n_malloc} mallocs')
        check(f_n == n_free, f'tid {tid}: {f_n} free events, the workload made {n_free} frees')
        check(not live, f'tid {tid}: {len(live)} blocks still live at the end marker')
check(brackets == threads, f'{brackets} marker brackets, expected one per thread ({threads})')
for e in errors[:20]: print('ERROR:', e)
if errors: sys.exit(1)
print(f'level {level}: geometry, 49 layouts, {len(sch)} events; {threads} threads x '
      f'{n_malloc} alloc / {n_free} free events matched')
PYEOF
    [ $? -eq 0 ] || { echo "FAIL: level $lv (trace kept in $dir)"; fail=1; }
done
[ $fail -eq 0 ] || exit 1
echo "ok"
