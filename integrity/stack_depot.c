/* The stack depot (see stack_depot.h): every distinct stack stored once, in memory from
 * the OS layer, found again by hash.
 *
 * One mapping, reserved on the first capture and touched only as it fills:
 *   buckets  hash -> first record of its chain (word offsets into the arena; 0: none)
 *   ids      id -> record (ids count up from 1)
 *   arena    the records, bump-allocated: a 16-byte head, then depth return addresses
 * Lookups are lock-free. An insertion publishes its record with a compare-and-swap on
 * the bucket head, so no thread ever waits: a depot that cannot block is safe in fork
 * children, in signal handlers and when capture recurses through libunwind. Two threads
 * inserting the same new stack at once may both get an id; the loser takes the winner's
 * and its record stays unreachable (its id reads as unknown). When the depot is full,
 * captures return 0 ("unknown"). */
#include "config.h"
#if HAK_LEVEL_MAX >= 1

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <sched.h>
#include <string.h>
#include <sys/auxv.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define HAK_HAVE_SINGLE_THREADED 1
#else
#define HAK_HAVE_SINGLE_THREADED 0
#endif

#include "integrity/stack_depot.h"
#include "integrity/symbolize.h"
#include "os/fmt.h"
#include "os/os.h"

#define DEPOT_BUCKETS ((size_t)1 << 18)
#define DEPOT_IDS ((size_t)1 << 20)
#define DEPOT_ARENA_WORDS ((size_t)8 << 20) /* 64 MiB: about 300 000 stacks of depth 24 */
#define DEPOT_BYTES ((DEPOT_BUCKETS + DEPOT_IDS) * sizeof(uint32_t) + DEPOT_ARENA_WORDS * 8)

struct rec {
    uint32_t hash;
    uint32_t depth;
    uint32_t next; /* the next record of the bucket */
    uint32_t id;
    uintptr_t pcs[];
};

enum { DEPOT_NONE, DEPOT_MAPPING, DEPOT_READY, DEPOT_FAILED };

static struct {
    uint32_t *buckets, *ids;
    uint64_t *arena;
    size_t top;      /* arena words handed out; word 0 is never used, so offset 0 means none */
    uint32_t last_id;
    int state;
} depot = {.top = 2};

/* Set while this thread captures: libunwind may allocate on first use, and an allocation
 * that captured its own stack would recurse. */
static __thread int capturing;

static bool depot_ready(void)
{
    int s = __atomic_load_n(&depot.state, __ATOMIC_ACQUIRE);
    if (hak_likely(s == DEPOT_READY)) return true;
    if (s != DEPOT_NONE || !__atomic_compare_exchange_n(&depot.state, &s, DEPOT_MAPPING, false,
                                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return false; /* another thread is mapping it: this stack is lost, not waited for */
    char *mem = hak_os_map(DEPOT_BYTES);
    if (!mem) {
        __atomic_store_n(&depot.state, DEPOT_FAILED, __ATOMIC_RELEASE);
        return false;
    }
    depot.buckets = (uint32_t *)mem;
    depot.ids = depot.buckets + DEPOT_BUCKETS;
    depot.arena = (uint64_t *)(depot.ids + DEPOT_IDS);
    __atomic_store_n(&depot.state, DEPOT_READY, __ATOMIC_RELEASE);
    return true;
}

static struct rec *rec_at(uint32_t off) { return (struct rec *)&depot.arena[off]; }

static uint32_t hash_pcs(const uintptr_t *pcs, unsigned n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (unsigned i = 0; i < n; i++) {
        h ^= pcs[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return (uint32_t)h;
}

static bool same(const struct rec *r, uint32_t hash, const uintptr_t *pcs, unsigned n)
{
    if (r->hash != hash || r->depth != n) return false;
    for (unsigned i = 0; i < n; i++)
        if (r->pcs[i] != pcs[i]) return false;
    return true;
}

/* The id of the stack in the chain from head down to (not including) stop, or 0. */
static uint32_t find(uint32_t head, uint32_t stop, uint32_t hash, const uintptr_t *pcs, unsigned n)
{
    for (uint32_t off = head; off && off != stop; off = rec_at(off)->next)
        if (same(rec_at(off), hash, pcs, n)) return rec_at(off)->id;
    return 0;
}

static uint32_t insert(const uintptr_t *pcs, unsigned n)
{
    uint32_t hash = hash_pcs(pcs, n);
    uint32_t *bucket = &depot.buckets[hash & (DEPOT_BUCKETS - 1)];
    uint32_t head = __atomic_load_n(bucket, __ATOMIC_ACQUIRE);
    uint32_t id = find(head, 0, hash, pcs, n);
    if (id) return id;

    size_t words = 2 + n;
    size_t off = __atomic_fetch_add(&depot.top, words, __ATOMIC_RELAXED);
    if (off + words > DEPOT_ARENA_WORDS) return 0;
    id = __atomic_add_fetch(&depot.last_id, 1, __ATOMIC_RELAXED);
    if (id >= DEPOT_IDS) return 0;
    struct rec *r = rec_at((uint32_t)off);
    r->hash = hash;
    r->depth = n;
    r->id = id;
    for (unsigned i = 0; i < n; i++) r->pcs[i] = pcs[i];
    __atomic_store_n(&depot.ids[id], (uint32_t)off, __ATOMIC_RELEASE);
    for (;;) {
        r->next = head;
        uint32_t seen = head;
        if (__atomic_compare_exchange_n(bucket, &head, (uint32_t)off, false, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
            return id;
        /* records pushed meanwhile sit between the new head and the one we saw */
        uint32_t other = find(head, seen, hash, pcs, n);
        if (other) {
            __atomic_store_n(&depot.ids[id], 0, __ATOMIC_RELEASE);
            return other;
        }
    }
}

// ---- capture ----

/* Where hakmem's own code is, so that a capture can drop exactly the frames inside it,
 * however the compiler inlined them. Known in libhakmem.so (its text segment, found from
 * its own ELF header); in a program linked with libhakmem.a that header is the
 * program's, so hakmem's frames cannot be told apart and a count of frames is used. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
static uintptr_t own_lo, own_hi; /* [lo, hi): hakmem's code; empty when not known */
static int own_known;

static void find_own_code(void)
{
    const ElfW(Ehdr) *eh = &__ehdr_start;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
    uintptr_t base = 0, lo = UINTPTR_MAX, hi = 0;
    if ((uintptr_t)ph != getauxval(AT_PHDR)) { /* not the program itself: a shared object */
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) base = (uintptr_t)eh - ph[i].p_vaddr;
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
                if (base + ph[i].p_vaddr < lo) lo = base + ph[i].p_vaddr;
                if (base + ph[i].p_vaddr + ph[i].p_memsz > hi) hi = base + ph[i].p_vaddr + ph[i].p_memsz;
            }
        if (lo < hi) own_lo = lo, own_hi = hi;
    }
    __atomic_store_n(&own_known, 1, __ATOMIC_RELEASE);
}

/* Stores frames from buf[first] on (got in all). */
static uint32_t store(void **buf, int got, unsigned first)
{
    if (got <= (int)first) return 0;
    unsigned n = (unsigned)got - first;
    return insert((const uintptr_t *)(buf + first), n < HAK_STACK_MAX_DEPTH ? n : HAK_STACK_MAX_DEPTH);
}

/* libunwind looks a frame up in its cache with the cache's lock held, and from there calls
 * dl_iterate_phdr, which takes the loader's lock. A thread that allocates from inside
 * dl_iterate_phdr (lttng-ust's listener does, when it reads the loaded libraries) takes
 * them the other way round when its allocation captures its stack: two such threads
 * waited for each other forever (at level 4 with HAKMEM_LTTNG=1, seen under load). So a
 * capture unwinds from inside dl_iterate_phdr, the loader's lock taken first as everyone
 * else takes it (the lock is recursive: libunwind's own calls go through). The two frames
 * this adds, the callback's and the loader's, are then dropped: what is left starts where
 * it would have without them. Costs a lock and an unlock per capture. */
struct unwind_call {
    void **buf;
    int max, got;
};

static HAK_NOINLINE int unwind_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)info, (void)size;
    struct unwind_call *c = arg;
    void *in_loader = __builtin_return_address(0);
    int got = unw_backtrace(c->buf, c->max);
    /* buf[0] is this function, buf[k] the loader's frame that called it (its return
     * address, or the byte before it: libunwind's fast trace names the call itself) */
    for (int k = 1; k < got && k < 4; k++)
        if ((uintptr_t)in_loader - (uintptr_t)c->buf[k] <= 1) {
            got -= k + 1;
            memmove(c->buf, c->buf + k + 1, (size_t)got * sizeof c->buf[0]);
            break;
        }
    c->got = got;
    __asm__ volatile("" ::: "memory"); /* not a tail call: unw_backtrace must see this frame */
    return 1; /* the first object is enough */
}

/* fork() and that lock. The child of fork() gets the loader's lock as it was at the fork,
 * and glibc resets the loader's other locks in the child but not the one dl_iterate_phdr
 * takes: had another thread been capturing then, the child's first capture would wait
 * forever. So fork waits for the captures under way (hak_stack_fork_prepare) and keeps new
 * ones off until it returns. A capture that meets a fork is given up (its stack reads as
 * unknown), never made to wait: its thread may hold a lock that fork's handlers take. */
/* The captures under way are counted in shards, by thread, so that threads capturing at
 * once do not all write one cache line (there is one per capture already, the loader's). */
enum { CAPTURE_SHARDS = 16 };
static struct {
    unsigned n;
} __attribute__((aligned(64))) under_way[CAPTURE_SHARDS];
static int fork_pending;

static unsigned *my_shard(void)
{
    /* threads' TLS blocks lie a stack apart: the bits above the page offset tell them apart */
    uintptr_t a = (uintptr_t)&capturing >> 12;
    return &under_way[(a ^ a >> 4 ^ a >> 9) % CAPTURE_SHARDS].n;
}

void hak_stack_fork_prepare(void)
{
    __atomic_store_n(&fork_pending, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < CAPTURE_SHARDS; i++)
        while (__atomic_load_n(&under_way[i].n, __ATOMIC_SEQ_CST)) sched_yield();
}

void hak_stack_fork_done(bool child)
{
    /* a capture that was giving up when the fork happened left its count in the child */
    if (child)
        for (int i = 0; i < CAPTURE_SHARDS; i++) __atomic_store_n(&under_way[i].n, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&fork_pending, 0, __ATOMIC_RELEASE);
}

/* unw_backtrace(buf, max) as if called where this is inlined; -1 when a fork is under way.
 * Alone in the process no other thread can hold the loader's lock, nor fork: then
 * libunwind is called directly (this thread is the one that would start a second, so it is
 * not in the middle of a capture then). */
HAK_INLINE int unwind(void **buf, int max)
{
#if HAK_HAVE_SINGLE_THREADED
    if (__libc_single_threaded) return unw_backtrace(buf, max);
#endif
    struct unwind_call c = {buf, max, -1};
    /* the count first, then the flag; fork sets the flag first, then reads the count */
    unsigned *count = my_shard();
    __atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&fork_pending, __ATOMIC_SEQ_CST)) dl_iterate_phdr(unwind_cb, &c);
    __atomic_sub_fetch(count, 1, __ATOMIC_RELEASE);
    return c.got;
}

HAK_NOINLINE uint32_t hak_stack_capture(unsigned skip)
{
    void *buf[64];
    if (capturing || !depot_ready()) return 0;
    capturing = 1;
    /* frame 0 is this function */
    unsigned want = skip + 1 + HAK_STACK_MAX_DEPTH;
    uint32_t id = store(buf, unwind(buf, (int)(want + 2 < 64 ? want + 2 : 64)), skip + 1);
    capturing = 0;
    return id;
}

HAK_NOINLINE uint32_t hak_stack_capture_app(unsigned static_skip)
{
    void *buf[64];
    if (capturing || !depot_ready()) return 0;
    capturing = 1;
    if (!__atomic_load_n(&own_known, __ATOMIC_ACQUIRE)) find_own_code();
    int got = unwind(buf, 64);
    unsigned first = static_skip + 1;
    if (own_lo < own_hi)
        for (first = 1; (int)first < got; first++)
            if ((uintptr_t)buf[first] < own_lo || (uintptr_t)buf[first] >= own_hi) break;
    uint32_t id = store(buf, got, first);
    capturing = 0;
    return id;
}

static const struct rec *rec_of(uint32_t id)
{
    if (!id || id >= DEPOT_IDS || __atomic_load_n(&depot.state, __ATOMIC_ACQUIRE) != DEPOT_READY) return NULL;
    uint32_t off = __atomic_load_n(&depot.ids[id], __ATOMIC_ACQUIRE);
    return off ? rec_at(off) : NULL;
}

unsigned hak_stack_get(uint32_t id, uintptr_t *pcs, unsigned max)
{
    const struct rec *r = rec_of(id);
    unsigned n = r ? (r->depth < max ? r->depth : max) : 0;
    for (unsigned i = 0; i < n; i++) pcs[i] = r->pcs[i];
    return n;
}

void hak_stack_foreach(void (*fn)(uint32_t id, const uintptr_t *pcs, unsigned depth, void *arg), void *arg)
{
    uint32_t last = __atomic_load_n(&depot.last_id, __ATOMIC_ACQUIRE);
    if (last >= DEPOT_IDS) last = DEPOT_IDS - 1;
    for (uint32_t id = 1; id <= last; id++) {
        const struct rec *r = rec_of(id);
        if (r) fn(id, r->pcs, r->depth, arg);
    }
}

// ---- printing: symbolized frames ----

/* One cache of mapped ELF files for every printer; a printer that finds it taken (another
 * thread, or a signal that interrupted a printer) symbolizes without it. */
static struct hak_symcache symcache;
static int symcache_taken;

static struct hak_symcache *cache_take(void)
{
    return __atomic_exchange_n(&symcache_taken, 1, __ATOMIC_ACQUIRE) ? NULL : &symcache;
}

static void cache_give(struct hak_symcache *c)
{
    if (c) __atomic_store_n(&symcache_taken, 0, __ATOMIC_RELEASE);
}

size_t hak_frame_format(uintptr_t pc, bool exact, char *buf, size_t size)
{
    struct hak_sym s;
    struct hak_symcache *c = cache_take();
    hak_symbolize_frame(c, pc, exact, &s);
    cache_give(c);
    size_t n = hak_fmt(buf, size, "0x%lx ", (unsigned long)pc);
    return n + hak_sym_format(&s, buf + n, size - n);
}

void hak_frames_print(int fd, const char *prefix, const uintptr_t *pcs, unsigned n, bool first_exact)
{
    char line[768];
    for (unsigned i = 0; i < n; i++) {
        /* a recursion (a stack overflow) shows twice, then as a count */
        unsigned same = 0;
        while (i >= 2 && i + same < n && pcs[i + same] == pcs[i - 1] && pcs[i - 1] == pcs[i - 2]) same++;
        if (same) {
            hak_dprintf(fd, "%s... %u more frames like #%u\n", prefix, same, i - 1);
            i += same - 1;
            continue;
        }
        hak_frame_format(pcs[i], first_exact && i == 0, line, sizeof line);
        hak_dprintf(fd, "%s#%u %s\n", prefix, i, line);
    }
}

void hak_stack_print(int fd, const char *prefix, uint32_t id)
{
    uintptr_t pcs[HAK_STACK_MAX_DEPTH];
    unsigned n = hak_stack_get(id, pcs, HAK_STACK_MAX_DEPTH);
    if (!n) hak_dprintf(fd, "%s(stack %u unknown)\n", prefix, id);
    hak_frames_print(fd, prefix, pcs, n, false);
}

#endif
