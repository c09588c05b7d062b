/* The shadow heap's maps (shadow.h). */
#include "shadow.h"

#include <stdlib.h>
#include <string.h>

#define GSHIFT 16

struct gran {
    uint64_t key; /* granule number + 1; 0: empty */
    struct vslab *s[2];
};

struct dslot {
    uint64_t key; /* descriptor address; 0: empty (a descriptor is never at 0) */
    struct vslab *s;
};

static const char *const state_names[B_NSTATES] = {
    [B_UNKNOWN] = "unknown", [B_UNCARVED] = "uncarved", [B_ALLOCATED] = "allocated",
    [B_POPPED] = "popped", [B_TLS] = "in a thread list", [B_SLABFREE] = "on its slab's free list",
    [B_REMOTE] = "in a remote queue", [B_FREED] = "freed (in transit or quarantined)",
};

const char *bstate_name(unsigned s)
{
    return s < B_NSTATES ? state_names[s] : "?";
}

static inline uint64_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

int shadow_init(struct shadow *sh)
{
    memset(sh, 0, sizeof *sh);
    sh->allowed = SHADOW_ENTRIES_BASE;
    sh->gmask = 1023;
    sh->dmask = 255;
    sh->gran = calloc(sh->gmask + 1, sizeof *sh->gran);
    sh->desc = calloc(sh->dmask + 1, sizeof *sh->desc);
    return sh->gran && sh->desc ? 0 : -1;
}

// ---- granule map ----

static struct gran *gfind(struct shadow *sh, uint64_t g)
{
    uint64_t key = g + 1;
    for (uint32_t i = (uint32_t)hash64(key) & sh->gmask;; i = (i + 1) & sh->gmask) {
        if (sh->gran[i].key == key) return &sh->gran[i];
        if (!sh->gran[i].key) return NULL;
    }
}

/* Doubles an open-addressing table of omask + 1 entries of esz bytes whose first field is
 * a uint64_t key (0: empty); returns the new table (and frees the old), or NULL. */
static void *table_grow(void *old, uint32_t omask, size_t esz)
{
    uint32_t nmask = omask * 2 + 1;
    char *nt = calloc((size_t)nmask + 1, esz);
    if (!nt) return NULL;
    for (uint32_t i = 0; i <= omask; i++) {
        const char *e = (const char *)old + (size_t)i * esz;
        uint64_t key;
        memcpy(&key, e, sizeof key);
        if (!key) continue;
        uint32_t j = (uint32_t)hash64(key) & nmask;
        for (;;) {
            uint64_t k;
            memcpy(&k, nt + (size_t)j * esz, sizeof k);
            if (!k) break;
            j = (j + 1) & nmask;
        }
        memcpy(nt + (size_t)j * esz, e, esz);
    }
    free(old);
    return nt;
}

static int ggrow(struct shadow *sh)
{
    struct gran *nt = table_grow(sh->gran, sh->gmask, sizeof *nt);
    if (!nt) return -1;
    sh->gran = nt;
    sh->gmask = sh->gmask * 2 + 1;
    return 0;
}

/* Whether one more entry is within the bound (SHADOW_ENTRIES_BASE); if not, says so. */
static int room(struct shadow *sh)
{
    if (sh->blocks + sh->gused < sh->allowed) return 1;
    sh->over = 1;
    return 0;
}

static struct gran *gget(struct shadow *sh, uint64_t g)
{
    struct gran *e = gfind(sh, g);
    if (e) return e;
    if (!room(sh)) return NULL;
    if ((sh->gused + 1) * 2 > sh->gmask && ggrow(sh)) return NULL;
    uint64_t key = g + 1;
    uint32_t i = (uint32_t)hash64(key) & sh->gmask;
    while (sh->gran[i].key) i = (i + 1) & sh->gmask;
    sh->gran[i].key = key;
    sh->gran[i].s[0] = sh->gran[i].s[1] = NULL;
    sh->gused++;
    return &sh->gran[i];
}

/* Linear probing deletion by backward shift: no tombstones, lookups stay short. */
static void gdel(struct shadow *sh, struct gran *e)
{
    uint32_t i = (uint32_t)(e - sh->gran), m = sh->gmask;
    sh->gran[i].key = 0;
    sh->gused--;
    for (uint32_t j = (i + 1) & m; sh->gran[j].key; j = (j + 1) & m) {
        uint32_t home = (uint32_t)hash64(sh->gran[j].key) & m;
        /* move j to i if its home is not in (i, j] */
        if (((j - home) & m) >= ((j - i) & m)) {
            sh->gran[i] = sh->gran[j];
            sh->gran[j].key = 0;
            i = j;
        }
    }
}

// ---- descriptor map ----

static struct dslot *dfind(struct shadow *sh, uint64_t d)
{
    if (!d) return NULL;
    for (uint32_t i = (uint32_t)hash64(d) & sh->dmask;; i = (i + 1) & sh->dmask) {
        if (sh->desc[i].key == d) return &sh->desc[i];
        if (!sh->desc[i].key) return NULL;
    }
}

static int dput(struct shadow *sh, uint64_t d, struct vslab *s)
{
    if (!d) return 0;
    struct dslot *e = dfind(sh, d);
    if (e) {
        e->s = s;
        return 0;
    }
    if ((sh->dused + 1) * 2 > sh->dmask) {
        struct dslot *nt = table_grow(sh->desc, sh->dmask, sizeof *nt);
        if (!nt) return -1;
        sh->desc = nt;
        sh->dmask = sh->dmask * 2 + 1;
    }
    uint32_t i = (uint32_t)hash64(d) & sh->dmask;
    while (sh->desc[i].key) i = (i + 1) & sh->dmask;
    sh->desc[i].key = d;
    sh->desc[i].s = s;
    sh->dused++;
    return 0;
}

static void ddel(struct shadow *sh, uint64_t d, struct vslab *s)
{
    struct dslot *e = dfind(sh, d);
    if (!e || e->s != s) return;
    uint32_t i = (uint32_t)(e - sh->desc), m = sh->dmask;
    sh->desc[i].key = 0;
    sh->dused--;
    for (uint32_t j = (i + 1) & m; sh->desc[j].key; j = (j + 1) & m) {
        uint32_t home = (uint32_t)hash64(sh->desc[j].key) & m;
        if (((j - home) & m) >= ((j - i) & m)) {
            sh->desc[i] = sh->desc[j];
            sh->desc[j].key = 0;
            i = j;
        }
    }
}

// ---- slabs ----

struct vslab *shadow_slab_at(struct shadow *sh, uint64_t addr)
{
    struct vslab *l = sh->last;
    if (l && addr - l->start < l->end - l->start) return l;
    uint64_t g = addr >> GSHIFT;
    struct slab_cache *c = &sh->cache[g & (SLAB_CACHE - 1)];
    if (c->s && c->g == g && addr - c->s->start < c->s->end - c->s->start) return sh->last = c->s;
    struct gran *e = gfind(sh, g);
    if (!e) return NULL;
    for (int k = 0; k < 2; k++) {
        struct vslab *s = e->s[k];
        if (s && addr - s->start < s->end - s->start) {
            c->g = g;
            c->s = s;
            return sh->last = s;
        }
    }
    return NULL;
}

struct vslab *shadow_slab_by_desc(struct shadow *sh, uint64_t desc)
{
    struct dslot *e = dfind(sh, desc);
    return e ? e->s : NULL;
}

void shadow_foreach_overlap(struct shadow *sh, uint64_t lo, uint64_t hi, void (*fn)(struct vslab *, void *), void *arg)
{
    if (hi <= lo) return;
    for (uint64_t g = lo >> GSHIFT; g <= (hi - 1) >> GSHIFT; g++) {
        /* a slab may be removed by fn: look the granule up again each time */
        for (;;) {
            struct gran *e = gfind(sh, g);
            struct vslab *hit = NULL;
            if (e)
                for (int k = 0; k < 2 && !hit; k++)
                    if (e->s[k] && e->s[k]->start < hi && lo < e->s[k]->end) hit = e->s[k];
            if (!hit) break;
            struct vslab *before = hit;
            fn(hit, arg);
            /* fn must remove it, or we would loop: stop if it did not */
            e = gfind(sh, g);
            if (e && (e->s[0] == before || e->s[1] == before)) break;
        }
    }
}

void shadow_slab_remove(struct shadow *sh, struct vslab *s)
{
    for (uint64_t g = s->start >> GSHIFT; g <= (s->end - 1) >> GSHIFT; g++) {
        struct slab_cache *c = &sh->cache[g & (SLAB_CACHE - 1)];
        if (c->s == s) c->s = NULL;
        struct gran *e = gfind(sh, g);
        if (!e) continue;
        for (int k = 0; k < 2; k++)
            if (e->s[k] == s) e->s[k] = NULL;
        if (!e->s[0] && !e->s[1]) gdel(sh, e);
    }
    ddel(sh, s->desc, s);
    if (sh->last == s) sh->last = NULL;
    sh->blocks -= s->nblocks;
    sh->nslabs--;
    free(s->tab);
    free(s);
}

static void remove_cb(struct vslab *s, void *arg)
{
    shadow_slab_remove(arg, s);
}

struct vslab *shadow_slab_add(struct shadow *sh, uint64_t desc, uint64_t start, uint32_t stride, uint32_t capacity,
                              uint32_t cls, enum slab_origin origin)
{
    if (!stride || !capacity || start == 0) return NULL;
    uint64_t len = (uint64_t)stride * capacity;
    if (len > SHADOW_MAX_SLAB || start + len < start) return NULL;
    uint64_t end = start + len;
    shadow_foreach_overlap(sh, start, end, remove_cb, sh);
    struct vslab *old = shadow_slab_by_desc(sh, desc);
    if (old) shadow_slab_remove(sh, old);

    struct vslab *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    *s = (struct vslab){.desc = desc, .start = start, .end = end, .stride = stride, .capacity = capacity,
                        .cls = cls, .origin = (uint8_t)origin, .mask = 15, .direct = capacity <= 15};
    s->tab = calloc(16, sizeof *s->tab);
    if (!s->tab) {
        free(s);
        return NULL;
    }
    for (uint64_t g = start >> GSHIFT; g <= (end - 1) >> GSHIFT; g++) {
        struct gran *e = gget(sh, g);
        if (!e) goto fail;
        if (!e->s[0]) e->s[0] = s;
        else if (!e->s[1]) e->s[1] = s;
        else goto fail; /* three slabs in 64 KiB: not a layout we believe */
    }
    if (dput(sh, desc, s)) goto fail;
    sh->nslabs++;
    if (sh->nslabs > sh->peak_slabs) sh->peak_slabs = sh->nslabs;
    return s;
fail:
    sh->nslabs++; /* shadow_slab_remove counts it out again */
    shadow_slab_remove(sh, s);
    return NULL;
}

// ---- blocks ----

/* While the table is smaller than the slab, block indices are mixed (neighbouring
 * indices would otherwise pile up in runs that colliding ones probe through); once it
 * has a slot per block, the index is the slot: no probing, and neighbours stay together. */

static int bgrow(struct vslab *s)
{
    uint32_t omask = s->mask, nmask = omask * 2 + 1;
    struct vblock *old = s->tab, *nt = calloc((size_t)nmask + 1, sizeof *nt);
    if (!nt) return -1;
    s->tab = nt;
    s->mask = nmask;
    s->direct = nmask >= s->capacity; /* keys are 1..capacity */
    for (uint32_t i = 0; i <= omask; i++) {
        if (!old[i].key) continue;
        uint32_t j = bslot(s, old[i].key);
        while (nt[j].key) j = (j + 1) & nmask;
        nt[j] = old[i];
    }
    free(old);
    return 0;
}

struct vblock *slab_block(struct shadow *sh, struct vslab *s, uint32_t idx, int create)
{
    /* keys are 1..capacity: a direct table (capacity <= 15, 16 slots) always has an empty
     * slot, and the probe below ends */
    if (idx >= s->capacity) return NULL;
    uint32_t key = idx + 1;
    uint32_t i = bslot(s, key);
    for (;; i = (i + 1) & s->mask) {
        if (s->tab[i].key == key) return &s->tab[i];
        if (!s->tab[i].key) break;
    }
    if (!create || !room(sh)) return NULL;
    if (!s->direct && (s->nblocks + 1) * 2 > s->mask + 1) {
        if (bgrow(s)) return NULL;
        i = bslot(s, key);
        while (s->tab[i].key) i = (i + 1) & s->mask;
    }
    struct vblock *b = &s->tab[i];
    memset(b, 0, sizeof *b);
    b->key = key;
    b->state = (uint8_t)slab_default_state(s);
    s->nblocks++;
    sh->blocks++;
    if (sh->blocks > sh->peak_blocks) sh->peak_blocks = sh->blocks;
    return b;
}

void shadow_free(struct shadow *sh)
{
    /* Collect every slab once (a slab spans several granules), then free them without
     * maintaining the maps, which are dropped whole. */
    struct vslab **all = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t i = 0; sh->gran && i <= sh->gmask; i++) {
        for (int k = 0; k < 2 && sh->gran[i].key; k++) {
            struct vslab *s = sh->gran[i].s[k];
            if (!s || s->pad) continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                struct vslab **na = realloc(all, nc * sizeof *na);
                if (!na) break;
                all = na;
                cap = nc;
            }
            s->pad = 1;
            all[n++] = s;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(all[i]->tab);
        free(all[i]);
    }
    free(all);
    free(sh->gran);
    free(sh->desc);
    sh->gran = NULL;
    sh->desc = NULL;
    sh->last = NULL;
}
