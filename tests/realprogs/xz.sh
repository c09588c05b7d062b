#!/usr/bin/env bash
# xz with two threads (-T2) compressing a generated ~40 MB log-like file (made once,
# without the library) into many independent blocks at -1, and its first 8 MB at -6;
# then listing, testing and decompressing (-T2) both. Multi-threaded xz output is
# deterministic, so the compressed bytes and the decompressed data must be identical
# with and without the library preloaded.
. "$(dirname "$0")/lib/common.bash"
rp_require xz awk
rp_check_dynamic xz

export INPUT=$TEST_TMPDIR/input.log
awk 'BEGIN {
    srand(11)
    for (i = 0; i < 3000; i++) {
        w = ""; k = 3 + int(rand() * 8)
        for (j = 0; j < k; j++) w = w sprintf("%c", 97 + int(rand() * 26))
        dict[i] = w
    }
    split("DEBUG INFO INFO INFO WARN ERROR", lv, " ")
    t = 1700000000
    for (i = 0; i < 340000; i++) {
        t += int(rand() * 3)
        m = dict[int(rand() * rand() * 3000)]
        for (j = int(rand() * 8); j > 0; j--) m = m " " dict[int(rand() * rand() * 3000)]
        printf "%d host%02d svc=%s level=%s user=u%d req=%08x latency=%dms msg=\"%s\"\n",
               t, int(rand() * 40), dict[int(rand() * 30)], lv[1 + int(rand() * 6)],
               int(rand() * rand() * 100000), int(rand() * 2147483647),
               int(rand() * rand() * 2000), m
    }
}' >"$INPUT" || rp_die "could not generate the input"
rp_log "input: $(wc -c <"$INPUT") bytes, sha256 $(sha256sum <"$INPUT" | cut -c1-16)"

workload() {
    xz --version | head -n 1
    local in_sum out_sum
    in_sum=$(sha256sum <"$INPUT")

    xz -T2 -1 --block-size=2MiB -c "$INPUT" >fast.xz
    echo "fast.xz: $(wc -c <fast.xz) bytes, $(sha256sum <fast.xz)"
    head -c 8000000 "$INPUT" >part
    xz -T2 -6 --block-size=3MiB part                     # replaces part by part.xz
    echo "part.xz: $(wc -c <part.xz) bytes, $(sha256sum <part.xz)"

    xz --robot -lvv fast.xz part.xz
    xz -T2 -t fast.xz part.xz; echo "integrity: ok"
    out_sum=$(xz -T2 -dc fast.xz | sha256sum)
    echo "fast.xz decompressed: $out_sum"
    [ "$out_sum" = "$in_sum" ]; echo "fast.xz decompressed == input"
    xz -T2 -d part.xz
    echo "part decompressed: $(wc -c <part) bytes, $(sha256sum <part)"
    cmp part <(head -c 8000000 "$INPUT"); echo "part == head of input"
    rm part
}

same_output xz --file fast.xz -- workload
rp_done
