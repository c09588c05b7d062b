/* HAKMEM_LTTNG=1: loads the `hakmem` tracepoint provider (libhakmem-lttng.so) at start-up.
 *
 * libhakmem itself never links lttng-ust, so a process that does not ask for LTTng does
 * not map it, and libhakmem-l0.so needs nothing beyond libc (dlopen is in libc since glibc
 * 2.34). The provider is looked for next to the library that contains this code, so a
 * build tree or an install prefix works without LD_LIBRARY_PATH.
 *
 * Recursion: lttng-ust calls malloc itself (its threads, and its per-thread state, which
 * glibc allocates lazily inside a thread's first tracepoint since liblttng-ust is
 * dlopen()ed). Such a nested call comes back into the allocator, which emits again. As in
 * lttng-ust's own malloc wrapper, a per-thread nesting depth in initial-exec TLS (no
 * allocation on first access) lets tracepoints fire at depth 1 only. Unlike the wrapper,
 * the nested events are not dropped but deferred until the outer tracepoint returns: a
 * replay of the trace needs every pop and push, or it would see the thread lists diverge.
 * The allocator calls hak_lttng_emit, which points at emit_guarded below, never at the
 * provider directly. */
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "box/next_ptr.h"
#include "os/fmt.h"
#include "os/os.h"
#include "superslab/superslab.h"
#include "trace/trace.h"
#include "trace/lttng/hakmem_lttng_api.h"
#include "trace/lttng/loader.h"
#include "trace/ring.h"

void (*hak_lttng_emit)(const struct hak_event *ev);

static hak_lttng_event_fn *provider_event;
/* per op, the provider's function for hakmem:NAME (provider_event where it has none) */
static hak_lttng_event_fn *provider_events[HAK_EV_LIMIT];
static hak_lttng_thread_init_fn *provider_thread_init;
static hak_lttng_geometry_fn *provider_geometry;
static hak_lttng_layout_fn *provider_layout;
static hak_lttng_fork_fn *provider_before_fork, *provider_after_fork_parent, *provider_after_fork_child;
/* the signal mask lttng-ust saves before a fork, per forking thread (initial-exec: no
 * allocation on first use, in a fork handler) */
static __thread sigset_t fork_sigs __attribute__((tls_model("initial-exec")));
static const int state_off = 0, state_on = 1;
const int *hak_lttng_state[HAK_EV_LIMIT] = {[0 ... HAK_EV_LIMIT - 1] = &state_off};

static __thread unsigned lttng_depth __attribute__((tls_model("initial-exec")));
static __thread bool lttng_thread_ready __attribute__((tls_model("initial-exec")));

/* Events of allocations made inside a tracepoint, held until it returns. The buffer is
 * mapped on the first nesting of a thread (mmap, not malloc), so it costs nothing to
 * threads, or processes, that never nest. */
#define PENDING_BYTES ((size_t)64 << 10)
#define PENDING_MAX (PENDING_BYTES / sizeof(struct hak_event))
static __thread struct hak_event *pending __attribute__((tls_model("initial-exec")));
static __thread unsigned npending __attribute__((tls_model("initial-exec")));
static uint64_t dropped;

static void defer(const struct hak_event *ev)
{
    if (hak_unlikely(!pending)) pending = hak_os_map(PENDING_BYTES);
    if (hak_unlikely(!pending || npending == PENDING_MAX)) {
        __atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    pending[npending++] = *ev;
}

/* At depth 1, after a tracepoint: emits what was deferred meanwhile, in seq order (the
 * nested events came after the one being traced). Emitting may nest again: those are
 * appended and emitted by the same loop. */
static __attribute__((noinline)) void flush_pending(void)
{
    for (unsigned i = 0; i < npending; i++) provider_event(&pending[i]);
    npending = 0;
}

/* Runs at depth 1: lttng-ust's allocations here are deferred like any nested ones. */
static void thread_ready(void)
{
    lttng_thread_ready = true;
    if (provider_thread_init) provider_thread_init();
}

/* emit_guarded's other way: a thread's first event, or one raised inside a tracepoint. */
static __attribute__((noinline)) void emit_first_or_nested(const struct hak_event *ev)
{
    if (hak_likely(lttng_depth++ == 0)) {
        if (!lttng_thread_ready) thread_ready();
        provider_events[ev->op](ev);
        if (hak_unlikely(npending)) flush_pending();
    } else {
        defer(ev);
    }
    lttng_depth--;
}

/* What hak_lttng_emit points at, for an event some session records (its callers test
 * hak_lttng_wanted first). Nothing lives across the call into the provider, so this saves
 * no register of its own. */
static void emit_guarded(const struct hak_event *ev)
{
    if (hak_unlikely(ev->op >= HAK_EV_LIMIT)) return;
    if (hak_unlikely(lttng_depth != 0 || !lttng_thread_ready)) {
        emit_first_or_nested(ev);
        return;
    }
    lttng_depth = 1;
    provider_events[ev->op](ev);
    if (hak_unlikely(npending)) flush_pending();
    lttng_depth = 0;
}

void hak_lttng_thread_start(void)
{
    if (!provider_event || lttng_thread_ready) return;
    lttng_depth++;
    thread_ready();
    flush_pending();
    lttng_depth--;
}

void hak_lttng_thread_exit(void)
{
    if (!pending) return;
    hak_os_unmap(pending, PENDING_BYTES);
    pending = NULL;
    npending = 0;
}

__attribute__((destructor)) static void report_dropped(void)
{
    uint64_t n = __atomic_load_n(&dropped, __ATOMIC_RELAXED);
    if (n) hak_dprintf(2, "hakmem: LTTng: %llu events raised inside lttng-ust were lost\n",
                       (unsigned long long)n);
}

static void load_failed(const char *why, const char *detail)
{
    hak_dprintf(2, "hakmem: HAKMEM_LTTNG=1 but " HAK_LTTNG_SONAME " could not be loaded: %s%s\n",
                why, detail ? detail : "unknown error");
}

/* DIR/libhakmem-lttng.so, DIR being where the object holding this function lives; false
 * when that cannot be known or the name does not fit. */
static bool sibling_path(char *buf, size_t size)
{
    Dl_info info;
    if (!dladdr((void *)hak_lttng_load, &info) || !info.dli_fname) return false;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash) return false;
    size_t dir = (size_t)(slash - info.dli_fname) + 1;
    if (dir + sizeof HAK_LTTNG_SONAME > size) return false;
    memcpy(buf, info.dli_fname, dir);
    memcpy(buf + dir, HAK_LTTNG_SONAME, sizeof HAK_LTTNG_SONAME);
    return true;
}

static void emit_geometry_and_layout(hak_lttng_geometry_fn *geometry, hak_lttng_layout_fn *layout)
{
    struct htrace_geometry g = {
        .superslab_size = HAK_SS_SIZE,
        .remote_end = (uint64_t)(uintptr_t)HAK_REMOTE_END,
        .superslab_header = (uint32_t)hak_ss_meta_size(HAK_MODE),
        .block_header = hak_user_off(hak_level),
        .page_size = (uint32_t)hak_page_size,
        .nclasses = HAK_NCLASSES,
        .tiny_max = HAK_TINY_MAX,
        .pool_max = HAK_POOL_MAX,
    };
    geometry(&g, (uint32_t)hak_level);
    for (uint32_t c = 0; c < HAK_NCLASSES; c++) {
        const struct hak_class_layout *l = &hak_layout[c];
        struct htrace_class e = {
            .size = l->size, .stride = l->stride, .user_off = l->user_off,
            .next_off = l->next_off, .kind = l->kind, .slab_shift = l->slab_shift,
        };
        layout(c, &e);
    }
}

void hak_lttng_fork_prepare(void)
{
    if (__atomic_load_n(&provider_before_fork, __ATOMIC_ACQUIRE)) provider_before_fork(&fork_sigs);
}

void hak_lttng_fork_parent(void)
{
    if (__atomic_load_n(&provider_before_fork, __ATOMIC_ACQUIRE)) provider_after_fork_parent(&fork_sigs);
}

void hak_lttng_fork_child(void)
{
    if (!__atomic_load_n(&provider_before_fork, __ATOMIC_ACQUIRE)) return;
    /* lttng-ust registers the child as a process of its own; the child's events start with
     * a geometry and the layout of its own, which tell a reader where its heap starts */
    provider_after_fork_child(&fork_sigs);
    lttng_depth++;
    emit_geometry_and_layout(provider_geometry, provider_layout);
    flush_pending();
    lttng_depth--;
}

int hak_lttng_load(void)
{
    if (provider_event) return 0;
    char path[4096];
    /* RTLD_NODELETE: hak_lttng_emit points into it for the rest of the process. */
    const int flags = RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE;
    void *h;
    if (sibling_path(path, sizeof path) && access(path, F_OK) == 0) {
        h = dlopen(path, flags);
    } else {
        h = dlopen(HAK_LTTNG_SONAME, flags); /* e.g. libhakmem.a linked into a program */
    }
    if (!h) {
        load_failed("", dlerror());
        return -1;
    }
    hak_lttng_event_fn *event = (hak_lttng_event_fn *)dlsym(h, "hak_lttng_event");
    hak_lttng_geometry_fn *geometry = (hak_lttng_geometry_fn *)dlsym(h, "hak_lttng_geometry");
    hak_lttng_layout_fn *layout = (hak_lttng_layout_fn *)dlsym(h, "hak_lttng_layout");
    if (!event || !geometry || !layout) {
        load_failed("missing symbol: ", dlerror());
        return -1;
    }
    provider_thread_init = (hak_lttng_thread_init_fn *)dlsym(h, "hak_lttng_thread_init");
    provider_geometry = geometry;
    provider_layout = layout;
    hak_lttng_fork_fn *before = (hak_lttng_fork_fn *)dlsym(h, "hak_lttng_before_fork");
    hak_lttng_fork_fn *parent = (hak_lttng_fork_fn *)dlsym(h, "hak_lttng_after_fork_parent");
    hak_lttng_fork_fn *child = (hak_lttng_fork_fn *)dlsym(h, "hak_lttng_after_fork_child");
    if (before && parent && child) {
        provider_after_fork_parent = parent;
        provider_after_fork_child = child;
        provider_before_fork = before; /* last: the one the fork handlers test */
    }
    hak_lttng_event_state_fn *state = (hak_lttng_event_state_fn *)dlsym(h, "hak_lttng_event_state");
    for (unsigned op = 0; op < HAK_EV_LIMIT; op++) {
        const int *on = state ? state(op) : NULL;
        hak_lttng_state[op] = on ? on : &state_on;
    }
    hak_lttng_event_for_fn *event_for = (hak_lttng_event_for_fn *)dlsym(h, "hak_lttng_event_for");
    for (unsigned op = 0; op < HAK_EV_LIMIT; op++) {
        hak_lttng_event_fn *fn = event_for ? event_for(op) : NULL;
        provider_events[op] = fn ? fn : event;
    }
    provider_event = event;

    lttng_depth++;
    thread_ready();
    emit_geometry_and_layout(geometry, layout);
    flush_pending();
    lttng_depth--;
    __atomic_store_n(&hak_lttng_emit, emit_guarded, __ATOMIC_SEQ_CST);
#if HAK_LEVEL_MAX >= 1
    hak_rings_lttng_loaded();
#endif
    return 0;
}
