#!/usr/bin/env bash
# gcc (with its cc1, as, collect2, ld and lto children, which inherit LD_PRELOAD)
# compiling a generated C file (hundreds of functions, large initialized tables) at -O2:
# to an object file with debug info, then linked to an executable, and once more from
# source with parallel LTO. The object file and the executable must be byte-identical
# with and without the library preloaded, and so must the built programs' output (they
# run under the same preload).
. "$(dirname "$0")/lib/common.bash"
rp_require gcc awk
rp_check_dynamic gcc "$(gcc -print-prog-name=cc1)"

# gen NFUNC TABLE: print a C program with NFUNC functions and a TABLE-entry table.
gen() {
    awk -v nf="$1" -v nt="$2" 'BEGIN {
        srand(4242)
        print "#include <stdio.h>\n#include <stdint.h>\n#include <string.h>\n"
        printf "static const uint32_t table[%d] = {\n", nt
        for (i = 0; i < nt; i++)
            printf "%u,%s", int(rand() * 4294967295), (i % 8 == 7) ? "\n" : " "
        print "};\n"
        print "struct rec { const char *name; int a, b; double w; };"
        printf "static const struct rec recs[%d] = {\n", nf
        for (i = 0; i < nf; i++)
            printf "    { \"rec_%d_%d\", %d, %d, %.3f },\n", i, int(rand() * 1e6), i * 3, int(rand() * 100), rand() * 10
        print "};\n"
        for (f = 0; f < nf; f++) {
            printf "__attribute__((noinline)) uint32_t fn%d(uint32_t x, const uint32_t *t)\n{\n", f
            print "    uint32_t acc = x;"
            printf "    for (int i = %d; i < %d; i++) {\n", f % 50, f % 50 + 40 + f % 7
            printf "        acc = acc * %d + t[(i * %d + acc) %% %d];\n", 2 * int(rand() * 1000) + 1, 1 + f % 13, nt
            printf "        switch (acc %% %d) {\n", 3 + f % 5
            for (c = 0; c < 3 + f % 5; c++)
                printf "        case %d: acc ^= acc >> %d; acc += %d; break;\n", c, 1 + (c + f) % 15, int(rand() * 100000)
            print "        }"
            print "    }"
            if (f > 0)
                printf "    if ((acc & 15) == 0) acc += fn%d(acc >> 4, t);\n", int(rand() * f)
            printf "    acc += (uint32_t)strlen(recs[%d].name) + (uint32_t)(recs[%d].w * 8);\n", f, f
            print "    return acc;\n}\n"
        }
        printf "typedef uint32_t (*fnp)(uint32_t, const uint32_t *);\nstatic fnp const fns[%d] = {\n", nf
        for (f = 0; f < nf; f++) printf "fn%d,%s", f, (f % 10 == 9) ? "\n" : " "
        print "};\n"
        print "int main(void)\n{\n    uint32_t sum = 0;"
        printf "    for (int r = 0; r < 3; r++)\n        for (int f = 0; f < %d; f++) {\n", nf
        print "            sum = sum * 31 + fns[f](sum ^ (uint32_t)f, table);"
        print "            if (f % 100 == 99) printf(\"%d %d %08x\\n\", r, f, sum);\n        }"
        print "    printf(\"final %08x\\n\", sum);\n    return 0;\n}"
    }'
}

workload() {
    gcc --version | head -n 1
    mkdir tmp; export TMPDIR=$PWD/tmp
    gen 500 40000 >big.c
    echo "source: $(wc -c <big.c) bytes, $(sha256sum <big.c)"
    gcc -O2 -g -frandom-seed=big -c big.c -o big.o
    echo "big.o: $(wc -c <big.o) bytes, $(sha256sum <big.o)"
    gcc -O2 -Wl,--build-id=sha1 -o prog big.o
    echo "prog: $(wc -c <prog) bytes, $(sha256sum <prog)"
    ./prog | tee prog.out | tail -n 3
    echo "prog output: $(wc -l <prog.out) lines, $(sha256sum <prog.out)"
    gcc -O2 -flto=2 -flto-partition=balanced --param lto-partitions=4 -o prog-lto big.c
    ./prog-lto >prog-lto.out
    cmp prog.out prog-lto.out; echo "prog-lto output: the same"
    rmdir tmp     # gcc removed all its temporary files
}

same_output gcc --file big.o --file prog -- workload
rp_done
