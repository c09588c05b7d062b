/* mmap, munmap and madvise behind a small interface. */
#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

size_t hak_page_size = 4096;

void hak_os_init(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    if (ps > 0) hak_page_size = (size_t)ps;
}

void *hak_os_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    return p;
}

/* The kernel hands out mappings top-down, each below the last, so an aligned region is
 * first tried right below the last one; only when that misses do we map size + align
 * and trim both ends (three system calls instead of one). */
static uintptr_t next_hint;

void *hak_os_map_aligned(size_t size, size_t align)
{
    uintptr_t hint = __atomic_load_n(&next_hint, __ATOMIC_RELAXED);
    if (hint) {
        void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != MAP_FAILED) {
            if (((uintptr_t)p & (align - 1)) == 0) {
                __atomic_store_n(&next_hint, (uintptr_t)p - hak_align_up(size, align), __ATOMIC_RELAXED);
                return p;
            }
            munmap(p, size); /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
        }
    }
    size_t over = size + align;
    char *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    char *a = (char *)hak_align_up((uintptr_t)p, align);
    if (a > p) munmap(p, (size_t)(a - p));
    size_t tail = (size_t)(p + over - (a + size));
    if (tail) munmap(a + size, tail);
    __atomic_store_n(&next_hint, (uintptr_t)a - hak_align_up(size, align), __ATOMIC_RELAXED);
    return a;
}

void hak_os_unmap(void *p, size_t size)
{
    munmap(p, size);
}

void hak_os_purge(void *p, size_t size)
{
    madvise(p, size, MADV_DONTNEED);
}

int hak_os_protect(void *p, size_t size, bool accessible)
{
    return mprotect(p, size, accessible ? PROT_READ | PROT_WRITE : PROT_NONE);
}

bool hak_os_read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) return false;
    buf[n] = 0;
    return true;
}
