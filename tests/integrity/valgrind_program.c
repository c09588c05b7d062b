/* Run under valgrind with hakmem preloaded: the bugs memcheck must report for hakmem's
 * blocks (through hakmem's client requests), and a clean run with none. */
#pragma GCC diagnostic ignored "-Wuse-after-free" /* the bugs are the point */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *make_block(size_t n)
{
    char *p = malloc(n);
    memset(p, 1, n);
    return p;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "clean";
    volatile char *p = make_block(40);
    if (!strcmp(mode, "uaf")) {
        free((void *)p);
        p[5] = 7; /* write after free */
    } else if (!strcmp(mode, "overflow")) {
        printf("%d\n", p[42]); /* read past the 40 bytes asked for */
        free((void *)p);
    } else {
        for (int i = 1; i < 20000; i++) free(make_block((size_t)i % 3000 + 1));
        free((void *)p);
    }
    return 0;
}
