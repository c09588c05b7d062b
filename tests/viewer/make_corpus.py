#!/usr/bin/env python3
"""Writes tests/viewer/corpus/: inputs the viewer must refuse with exit 1 and a one-line
message (bad_*), and structurally valid dumps full of nonsense that it must survive
(odd_*: exit 0 or 3). Made from a small valid dump (gen_trace) by breaking one thing
each. Kept in the repository; run again only to change the corpus:
    tests/viewer/make_corpus.py build/tests/viewer/gen_trace tests/viewer/corpus"""
import os, random, struct, subprocess, sys, tempfile

gen, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
tmp = tempfile.mkdtemp()
base_path = os.path.join(tmp, "base.htrace")
subprocess.run([gen, "-o", base_path, "--threads", "2", "--ops", "60", "--seed", "7", "--level", "2",
                "--live", "30"], check=True, stdout=subprocess.DEVNULL)
base = bytearray(open(base_path, "rb").read())

def sections(d):
    off, res = 80, []
    while off + 16 <= len(d):
        t, f, sz = struct.unpack_from("<IIQ", d, off)
        res.append((t, off, sz))
        if t == 0:
            break
        off = (off + 16 + sz + 7) & ~7
    return res

secs = sections(base)
def sec(t, n=0):
    return [s for s in secs if s[0] == t][n]

def w(name, data):
    open(os.path.join(out, name), "wb").write(bytes(data))

def patched(off, fmt, *vals):
    d = bytearray(base)
    struct.pack_into(fmt, d, off, *vals)
    return d

w("bad_empty.htrace", b"")
w("bad_short_header.htrace", base[:40])
w("bad_header_only.htrace", base[:80])
w("bad_magic.htrace", b"NOTTRACE" + base[8:])
w("bad_version.htrace", patched(8, "<I", 99))
w("bad_header_size.htrace", patched(12, "<I", 0xfffffff0))
w("bad_event_size.htrace", patched(24, "<I", 7))
t, off, sz = sec(2)
w("bad_section_huge.htrace", patched(off + 8, "<Q", 1 << 62))
w("bad_section_max.htrace", patched(off + 8, "<Q", (1 << 64) - 1))
t, off, sz = sec(6)
w("bad_ring_count.htrace", patched(off + 16 + 24, "<Q", 1 << 40))
w("bad_ring_count_small.htrace", patched(off + 16 + 24, "<Q", sz // 48 + 1))
w("bad_ring_capacity.htrace", patched(off + 16 + 8, "<Q", 1))
w("bad_ring_short.htrace", patched(off + 8, "<Q", 8))
t, off, sz = sec(1)
w("bad_layout_count.htrace", patched(off + 16, "<I", 0x7fffffff))
w("bad_layout_entry.htrace", patched(off + 20, "<I", 3))
t, off, sz = sec(9)
w("bad_slabs_count.htrace", patched(off + 16, "<I", 0xffffffff))
w("bad_truncated_mid_ring.htrace", base[: sec(6, 1)[1] + 100])
w("bad_truncated_no_end.htrace", base[: sec(0)[1]])
w("bad_truncated_half.htrace", base[: len(base) // 2])
random.seed(1)
w("bad_random.htrace", bytes(random.getrandbits(8) for _ in range(4096)))
w("bad_random_magic.htrace", b"HAKTRACE" + bytes(random.getrandbits(8) for _ in range(4096)))
w("bad_text.htrace", b"hello, this is not a trace\n" * 10)

# Structurally valid, semantically hostile: the replay must not crash or hang.
d = bytearray(base)
for t, off, sz in secs:
    if t != 6:
        continue
    n = struct.unpack_from("<Q", d, off + 16 + 24)[0]
    for i in range(n):
        e = off + 16 + 32 + i * 48
        if random.random() < 0.3:
            struct.pack_into("<QQQQQIHBB", d, e, random.getrandbits(64), random.getrandbits(64),
                             random.getrandbits(64), random.getrandbits(64), random.getrandbits(64),
                             random.getrandbits(32), random.getrandbits(16), random.randrange(1, 20),
                             random.getrandbits(8))
w("odd_garbage_events.htrace", d)
d = bytearray(base)
t, off, sz = sec(1)
n = struct.unpack_from("<I", d, off + 16)[0]
for i in range(n):  # strides of 0 and 1: must not divide by zero
    struct.pack_into("<I", d, off + 24 + i * 24 + 4, i % 2)
w("odd_zero_strides.htrace", d)
d = bytearray(base)
t, off, sz = sec(9)
n = struct.unpack_from("<I", d, off + 16)[0]
for i in range(n):  # slabs overlapping each other, huge and at address 0
    struct.pack_into("<QQQ", d, off + 24 + i * 72, random.getrandbits(64), random.choice([0, 1 << 63, 0x7f3000000000]),
                     random.getrandbits(64))
    struct.pack_into("<I", d, off + 24 + i * 72 + 56 + 16, random.getrandbits(32))
w("odd_hostile_slabs.htrace", d)
d = bytearray(base)
t, off, sz = sec(6)
n = struct.unpack_from("<Q", d, off + 16 + 24)[0]
for i in range(n):  # one seq for everything
    struct.pack_into("<Q", d, off + 16 + 32 + i * 48, 5)
w("odd_same_seq.htrace", d)
d = bytearray(base)
t, off, sz = sec(77)
struct.pack_into("<I", d, off, 12345)  # an unknown section type: skipped
w("odd_unknown_section.htrace", d)
print("corpus written to", out)
