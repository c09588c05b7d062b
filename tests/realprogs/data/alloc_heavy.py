"""Allocation-heavy, deterministic Python workload for tests/realprogs/python.sh.

Meant to run with PYTHONMALLOC=malloc (every object then comes from malloc) and
PYTHONHASHSEED=0. Prints only values that depend on the computation, never on
addresses, so its output must be identical whatever malloc is underneath.
Usage: alloc_heavy.py [SCALE]   (SCALE multiplies the amount of work; default 1.0)
"""
import collections
import gc
import hashlib
import io
import json
import queue
import random
import re
import sys
import threading
import zlib

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
rng = random.Random(20240611)
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def n(x):
    return max(1, int(x * SCALE))


_r = rng.random


def ri(lo, hi):
    """Like rng.randint(lo, hi), but cheaper."""
    return lo + int(_r() * (hi - lo + 1))


POOL = "".join(rng.choices(ALPHA, k=1 << 20))


def rstr(lo, hi):
    """A fresh random string (a slice of POOL, which makes a new object)."""
    k = ri(lo, hi)
    o = ri(0, len(POOL) - hi - 1)
    return POOL[o:o + k] + "."


def size_choice():
    """Mostly small sizes, some medium, a few large: a typical malloc size spread."""
    r = _r()
    if r < 0.70:
        return ri(0, 64)
    if r < 0.96:
        return ri(65, 4096)
    if r < 0.998:
        return ri(4097, 65536)
    return ri(65537, 400000)


def make_obj(i):
    kind = i % 8
    if kind == 0:
        return {rstr(1, 12): j * i for j in range(ri(0, 12))}
    if kind == 1:
        return [_r() for _ in range(ri(0, 20))]
    if kind == 2:
        return "x" * size_choice() + str(i)
    if kind == 3:
        return tuple(range(ri(0, 16)))
    if kind == 4:
        return rng.randbytes(size_choice())
    if kind == 5:
        return (1 << ri(1, 3000)) + i          # big ints of varied size
    if kind == 6:
        return bytearray(size_choice())
    return [str(i), (i, float(i)), {"k": [i] * ri(0, 8)}]


def digest(obj):
    """A checksum of an object's content, independent of addresses."""
    if isinstance(obj, (bytes, bytearray)):
        return zlib.crc32(obj)
    if isinstance(obj, str):
        return zlib.crc32(obj.encode())
    return zlib.crc32(repr(obj).encode())


out = []


def report(name, *vals):
    line = name + ": " + " ".join(str(v) for v in vals)
    out.append(line)
    print(line, flush=True)


# 1. Many mixed objects, freed in random order while new ones replace some of them.
N = n(180000)
objs = [make_obj(i) for i in range(N)]
report("mixed.create", N, sum(digest(o) for o in objs) & 0xFFFFFFFF)
order = list(range(N))
rng.shuffle(order)
crc = 0
for step, idx in enumerate(order):
    crc = zlib.crc32(str(digest(objs[idx])).encode(), crc)
    objs[idx] = None
    if step % 3 == 0:                      # refill a random slot: frees interleave with mallocs
        j = ri(0, N - 1)
        objs[j] = make_obj(step)
live = [o for o in objs if o is not None]
report("mixed.churn", len(live), crc, sum(digest(o) for o in live) & 0xFFFFFFFF)
del objs, live, order

# 2. A large dict: build, update, delete half, sort, json round trip.
D = {}
for i in range(n(100000)):
    key = "k%07d_%s" % (ri(0, 10**7 - 1), rstr(0, 6))
    D[key] = (i, rstr(0, 20), [i % 7, i % 11])
for i, key in enumerate(list(D)):
    if i % 2:
        del D[key]
    elif i % 5 == 0:
        D[key] = {"i": i, "s": key[::-1]}
items = sorted(D.items(), key=lambda kv: (str(kv[1]), kv[0]))
report("dict", len(D), zlib.crc32("".join(k for k, _ in items[:5000]).encode()))
text = json.dumps(D, sort_keys=True)
back = json.loads(text)
report("json", len(text), hashlib.sha256(text.encode()).hexdigest()[:32],
       back == json.loads(json.dumps(back, sort_keys=True)),
       sum(len(k) for k in back))
del D, items, text, back

# 3. Growth patterns that realloc: appends, concatenation, bytearray, StringIO.
buf = bytearray()
parts = []
lst = []
sio = io.StringIO()
for i in range(n(200000)):
    buf += rng.randbytes(ri(0, 40))
    if i % 997 == 0:
        del buf[: len(buf) // 3]            # shrink from the front
    s = rstr(0, 30)
    parts.append(s)
    lst.append((i, s))
    sio.write(s)
    if i % 50000 == 49999:
        lst = lst[::2]                      # drop half, reallocating the list
joined = "|".join(parts)
acc = ""
for p in parts[:20000]:
    acc += p                                # in-place str resize when possible
report("grow", len(buf), zlib.crc32(buf), len(joined), zlib.crc32(joined.encode()),
       len(lst), len(sio.getvalue()), zlib.crc32(acc.encode()))
del buf, parts, lst, sio, joined, acc

# 4. Text processing: split, regex, Counter, sort.
words = " ".join(rstr(1, 9) for _ in range(n(200000))).split()
cnt = collections.Counter(w[:2] for w in words)
found = re.findall(r"[A-Z][a-z]+[0-9]", " ".join(words))
srt = sorted(words, key=lambda w: (len(w), w))
report("text", len(words), len(cnt), cnt.most_common(3), len(found),
       zlib.crc32("".join(srt[::97]).encode()))
del words, cnt, found, srt

# 5. Reference cycles collected by the cyclic GC.
gc.collect()
total = 0
for r in range(n(40)):
    nodes = [{"id": i, "pad": "p" * (i % 200)} for i in range(3000)]
    for i, node in enumerate(nodes):
        node["next"] = nodes[(i * 7 + 1) % len(nodes)]
        node["self"] = node
    del nodes, node
    total += gc.collect()
report("gc", total)

# 6. Objects made in one thread and freed in another (cross-thread frees).
NT = 2
q = queue.Queue(maxsize=64)
results = [0] * NT


def producer(tid):
    prng = random.Random(1000 + tid)
    for b in range(n(600)):
        batch = [("t%d" % tid) * prng.randint(1, 50) for _ in range(200)]
        batch.append(prng.randbytes(prng.randint(0, 20000)))
        q.put((tid, batch))
    q.put((tid, None))


def consumer():
    done = 0
    while done < NT:
        tid, batch = q.get()
        if batch is None:
            done += 1
            continue
        results[tid] = (results[tid] + sum(len(x) for x in batch)) % (1 << 61)
        del batch                           # freed in the consumer thread


threads = [threading.Thread(target=producer, args=(t,)) for t in range(NT)]
threads.append(threading.Thread(target=consumer))
for t in threads:
    t.start()
for t in threads:
    t.join()
report("threads", results)

print("summary:", hashlib.sha256("\n".join(out).encode()).hexdigest())
