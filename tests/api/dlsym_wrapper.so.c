/* A preload library that wraps malloc, free, calloc and realloc the classic way, through
 * dlsym(RTLD_NEXT, ...), and counts the calls. dlsym may itself allocate (calloc for its
 * error state) before the real functions are known: those requests are served from a static
 * buffer, and frees of that buffer are swallowed here, never forwarded. Loaded in front of
 * the allocator under test (see dlsym_wrapper.sh). */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

struct dlsym_wrapper_counts {
    unsigned long malloc, free, calloc, realloc, bootstrap, bootstrap_frees;
};

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);

static atomic_ulong n_malloc, n_free, n_calloc, n_realloc, n_bootstrap, n_bootstrap_frees;
/* volatile: the compiler would otherwise drop the store before dlsym, not expecting dlsym
 * to call back into this file's malloc, which reads it. */
static __thread volatile int resolving __attribute__((tls_model("initial-exec")));

static _Alignas(64) unsigned char boot_buf[64 << 10];
static atomic_size_t boot_used;

static void *boot_alloc(size_t n) /* zeroed, as static memory is; never reused */
{
    n = (n + 15) & ~(size_t)15;
    size_t off = atomic_fetch_add(&boot_used, n);
    if (off + n > sizeof boot_buf) return NULL;
    atomic_fetch_add(&n_bootstrap, 1);
    return boot_buf + off;
}

static int is_boot(const void *p)
{
    return (const unsigned char *)p >= boot_buf && (const unsigned char *)p < boot_buf + sizeof boot_buf;
}

/* Concurrent first calls may resolve twice; both store the same values. The failed lookup
 * first makes the dynamic linker allocate its error message, as older glibc's dlsym always
 * did (newer ones allocate nothing when all goes well), so the bootstrap path runs for sure. */
static void resolve(void)
{
    resolving = 1;
    if (!dlsym(RTLD_NEXT, "dlsym_wrapper_no_such_symbol")) (void)dlerror();
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_free = dlsym(RTLD_NEXT, "free");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    resolving = 0;
}

EXPORT void *malloc(size_t n)
{
    if (!real_malloc) {
        if (resolving) return boot_alloc(n);
        resolve();
    }
    atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed);
    return real_malloc(n);
}

EXPORT void *calloc(size_t a, size_t b)
{
    if (!real_calloc) {
        if (resolving) {
            size_t n;
            return __builtin_mul_overflow(a, b, &n) ? NULL : boot_alloc(n);
        }
        resolve();
    }
    atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed);
    return real_calloc(a, b);
}

EXPORT void free(void *p)
{
    if (is_boot(p)) {
        atomic_fetch_add(&n_bootstrap_frees, 1);
        return;
    }
    if (!real_free) {
        if (!p) return;
        resolve();
    }
    atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
    real_free(p);
}

EXPORT void *realloc(void *p, size_t n)
{
    if (is_boot(p)) { /* moves out of the static buffer; the size is unknown, copy what may be */
        size_t room = (size_t)(boot_buf + sizeof boot_buf - (unsigned char *)p);
        void *q = malloc(n);
        if (q) memcpy(q, p, n < room ? n : room);
        return q;
    }
    if (!real_realloc) {
        if (resolving) return p ? NULL : boot_alloc(n);
        resolve();
    }
    atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed);
    return real_realloc(p, n);
}

EXPORT void dlsym_wrapper_get(struct dlsym_wrapper_counts *c, void **real)
{
    c->malloc = atomic_load(&n_malloc);
    c->free = atomic_load(&n_free);
    c->calloc = atomic_load(&n_calloc);
    c->realloc = atomic_load(&n_realloc);
    c->bootstrap = atomic_load(&n_bootstrap);
    c->bootstrap_frees = atomic_load(&n_bootstrap_frees);
    *real = (void *)real_malloc;
}
