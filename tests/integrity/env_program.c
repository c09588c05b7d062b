/* A small program that allocates and says ok: run by env_preload.sh under libhakmem with
 * bad HAKMEM_* values, which must change nothing but one line each on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t total = 0;
    for (int i = 1; i < 2000; i++) {
        char *p = malloc((size_t)i);
        if (!p) return 1;
        memset(p, 1, (size_t)i);
        total += (size_t)i;
        free(p);
    }
    printf("ok %zu\n", total);
    return 0;
}
