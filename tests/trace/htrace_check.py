#!/usr/bin/env python3
"""Reads a .htrace dump independently of the viewer (tests only) and prints one JSON
object: header fields, section counts, per-thread ring counts, and event counts by name.
Exits 1 with a message when the file breaks the format of docs/TRACE_FORMAT.md."""
import json
import struct
import sys

HEADER = struct.Struct("<8sIIIIII QQQ 24s")
SECTION = struct.Struct("<IIQ")
RING = struct.Struct("<IIQQQ")
EVENT = struct.Struct("<QQQQQIHBB")


def fail(msg):
    print(f"htrace_check: {msg}", file=sys.stderr)
    sys.exit(1)


def main(path):
    data = open(path, "rb").read()
    if len(data) < HEADER.size:
        fail("shorter than the header")
    (magic, version, header_size, pid, level, event_size, reason, reason_arg, time_ns, seq_next,
     _) = HEADER.unpack_from(data, 0)
    if magic != b"HAKTRACE" or version not in (1, 2, 3) or event_size != EVENT.size:
        fail(f"bad magic/version/event size: {magic!r} {version} {event_size}")
    off, sections, schema, rings, counts, seqs, ended = header_size, {}, {}, [], {}, set(), False
    tls_slots = set()  # ptr - base of tls_push and tls_pop: the link slot's offset from version 2
    while off + SECTION.size <= len(data):
        typ, _, size = SECTION.unpack_from(data, off)
        off += SECTION.size
        if off + size > len(data):
            fail(f"section {typ} runs past the end")
        payload = data[off:off + size]
        off += (size + 7) // 8 * 8
        sections[typ] = sections.get(typ, 0) + 1
        if typ == 0:
            ended = True
            break
        if typ == 3:
            for line in payload.decode().splitlines():
                num, name = line.split()
                schema[int(num)] = name
        if typ == 6:
            tid, flags, cap, written, count = RING.unpack_from(payload, 0)
            # from version 3, cap and written count entries of up to 3 events each, and
            # flag 2 says older entries were lost; before, an entry was an event
            per, lost = (3, bool(flags & 2)) if version >= 3 else (1, written > count)
            if RING.size + count * EVENT.size != size or count > per * min(cap, written):
                fail(f"ring of thread {tid}: count {count} does not fit")
            rings.append({"tid": tid, "exited": bool(flags & 1), "written": written, "count": count, "lost": lost})
            last = 0
            for i in range(count):
                ev = EVENT.unpack_from(payload, RING.size + i * EVENT.size)
                if ev[0] in seqs:
                    fail(f"seq {ev[0]} appears twice")
                if ev[0] <= last:
                    fail(f"thread {tid}: seq {ev[0]} after {last} (a torn or out-of-order record)")
                last = ev[0]
                seqs.add(ev[0])
                name = schema.get(ev[7], f"op{ev[7]}")
                counts[name] = counts.get(name, 0) + 1
                if name in ("tls_push", "tls_pop"):
                    tls_slots.add(ev[1] - ev[2])
    if not ended:
        fail("no END section")
    print(json.dumps({"version": version, "pid": pid, "level": level, "tls_slots": sorted(tls_slots), "reason": reason, "reason_arg": reason_arg,
                      "seq_next": seq_next, "sections": {str(k): v for k, v in sections.items()},
                      "rings": rings, "events": counts, "max_seq": max(seqs) if seqs else 0,
                      "min_seq": min(seqs) if seqs else 0, "nseq": len(seqs)}))


if __name__ == "__main__":
    main(sys.argv[1])
