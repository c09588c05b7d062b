#!/usr/bin/env bash
# coreutils sort on a generated ~50 MB text file (made once, without the library):
# whole-line sort, numeric and multi-key sorts, sort -u, and a sort with a tiny buffer
# (-S) that must spill to temporary files and merge them, all with --parallel=2.
# Every sorted output must be identical with and without the library preloaded.
. "$(dirname "$0")/lib/common.bash"
rp_require sort awk
rp_check_dynamic sort

export INPUT=$TEST_TMPDIR/input.txt
awk 'BEGIN {
    srand(7)
    for (i = 0; i < 1500000; i++) {
        w = ""; k = 3 + int(rand() * 10)
        for (j = 0; j < k; j++) w = w sprintf("%c", 97 + int(rand() * 26))
        printf "%s %d %.4f %s%d\n", w, int(rand() * 1000000) - 500000, rand() * 1000,
               substr("alphabetagammadeltaepsilon", 1 + int(rand() * 20), 5), int(rand() * 5000)
    }
}' >"$INPUT" || rp_die "could not generate the input"
rp_log "input: $(wc -c <"$INPUT") bytes, $(wc -l <"$INPUT") lines"

# show NAME FILE: a short, complete description of one sorted output.
show() {
    echo "$1: $(wc -l <"$2") lines, $(wc -c <"$2") bytes, sha256 $(sha256sum <"$2" | cut -d' ' -f1)"
    echo "  first: $(head -n 1 "$2")"
    echo "  last:  $(tail -n 1 "$2")"
}

workload() {
    sort --version | head -n 1
    mkdir tmp
    sort --parallel=2 -S 200M "$INPUT" >whole.txt;                        show whole whole.txt
    sort --parallel=2 -S 2M -T tmp "$INPUT" >spilled.txt;                 show spilled spilled.txt
    cmp whole.txt spilled.txt; echo "spilled == whole"
    sort --parallel=2 -S 64M -s -t ' ' -k2,2n "$INPUT" >num.txt;          show numeric num.txt
    sort --parallel=2 -S 8M -T tmp -t ' ' -k4,4 -k3,3gr "$INPUT" >keys.txt; show keys keys.txt
    sort --parallel=2 -S 64M -u -t ' ' -k1,1 "$INPUT" >uniq.txt;          show unique uniq.txt
    head -n 700000 "$INPUT" | sort -S 16M -T tmp >a.txt
    tail -n +700001 "$INPUT" | sort --parallel=2 >b.txt
    sort -m -S 1M a.txt b.txt | cmp - whole.txt; echo "merged halves == whole"
    sort -c whole.txt; echo "sort -c: ok"
    rm whole.txt num.txt keys.txt uniq.txt a.txt b.txt
    rmdir tmp       # sort removed all its temporary files
}

same_output sort --file spilled.txt -- workload
rp_done
