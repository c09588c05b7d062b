/* Under `make asan`, hakmem poisons free blocks and block headers with ASan's interface,
 * so instrumented code touching them is reported by ASan itself. Each mode performs one
 * bad access; the script expects ASan's report for it. Mode "clean" does only good ones. */
#include <stdio.h>
#include <string.h>

#include "hakmem.h"

static volatile char sink;

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "clean";
    char *p = hak_malloc(40);
    memset(p, 1, 40);
    if (!strcmp(mode, "uaf")) {
        hak_free(p);
        sink = p[8]; /* a read after free */
        return 0;
    }
    if (!strcmp(mode, "header")) {
        sink = p[-3]; /* inside the block header (level 2) */
        return 0;
    }
    if (!strcmp(mode, "overflow")) {
        sink = p[40]; /* one past the requested size (level 2: the tail sentinel) */
        return 0;
    }
    for (int i = 0; i < 100000; i++) {
        char *q = hak_malloc((size_t)(i % 3000));
        if (i % 3000) q[i % 3000 - 1] = 2;
        hak_free(q);
    }
    hak_free(p);
    printf("clean\n");
    return 0;
}
