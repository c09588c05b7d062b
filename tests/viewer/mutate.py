#!/usr/bin/env python3
"""Writes N mutants of a trace, deterministically (the same seed, the same mutants).

    mutate.py SEED N INPUT OUTDIR

INPUT is a .htrace file or a CTF trace directory; the mutants are OUTDIR/m0000.htrace ...
or OUTDIR/m0000/ ... (a copy of the directory with one file changed). A .htrace mutant
gets one to four changes among: bit flips, a byte or an aligned 4- or 8-byte word set to
a boundary value (0, 1, all ones, the sign bit, ...), a truncation, a chunk repeated or
cut out. A CTF mutant changes either one stream file the same ways (packet headers and
contexts, event headers, payloads) or the metadata text: a line repeated (a field named
twice, a type declared twice), a line dropped, a number replaced by a boundary value."""
import os, random, shutil, sys

BOUNDS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
          (1 << 63) - 1, 1 << 63, (1 << 64) - 1]


def mutate_bytes(rng, d):
    d = bytearray(d)
    for _ in range(rng.randint(1, 4)):
        if not d:
            break
        k = rng.randrange(6)
        if k == 0:  # bit flips
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(d))
                d[i] ^= 1 << rng.randrange(8)
        elif k == 1:  # one byte
            d[rng.randrange(len(d))] = rng.choice([0, 1, 0x7f, 0x80, 0xff])
        elif k in (2, 3):  # an aligned word
            w = 4 if k == 2 else 8
            if len(d) >= w:
                i = rng.randrange(len(d) // w) * w
                d[i:i + w] = (rng.choice(BOUNDS) & ((1 << (8 * w)) - 1)).to_bytes(w, "little")
        elif k == 4:  # truncation
            del d[rng.randrange(len(d)):]
        else:  # a chunk repeated or cut out
            i = rng.randrange(len(d))
            n = rng.randint(1, 256)
            chunk = d[i:i + n]
            if rng.random() < 0.5:
                d[i:i] = chunk
            else:
                del d[i:i + n]
    return bytes(d)


def mutate_metadata(rng, text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(lines))
        k = rng.randrange(3)
        if k == 0:
            lines.insert(i, lines[i])
        elif k == 1:
            del lines[i]
        else:
            words = lines[i].split(" ")
            nums = [j for j, w in enumerate(words) if w.rstrip(";").isdigit()]
            if nums:
                j = rng.choice(nums)
                words[j] = str(rng.choice(BOUNDS)) + (";" if words[j].endswith(";") else "")
                lines[i] = " ".join(words)
    return "\n".join(lines)


def main():
    seed, n, src, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    if os.path.isfile(src):
        data = open(src, "rb").read()
        for m in range(n):
            open(os.path.join(out, "m%04d.htrace" % m), "wb").write(mutate_bytes(rng, data))
        return
    files = sorted(f for f in os.listdir(src) if os.path.isfile(os.path.join(src, f)))
    streams = [f for f in files if f != "metadata" and not f.startswith(".")]
    for m in range(n):
        dst = os.path.join(out, "m%04d" % m)
        shutil.copytree(src, dst)
        if rng.random() < 0.5 or not streams:
            p = os.path.join(dst, "metadata")
            text = open(p, encoding="utf-8", errors="surrogateescape").read()
            open(p, "w", encoding="utf-8", errors="surrogateescape").write(mutate_metadata(rng, text))
        else:
            p = os.path.join(dst, rng.choice(streams))
            open(p, "wb").write(mutate_bytes(rng, open(p, "rb").read()))


if __name__ == "__main__":
    main()
