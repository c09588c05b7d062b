/* The quarantine of level 4: a freed block is held back from reuse, in a per-thread FIFO,
 * until HAK_QUARANTINE_BLOCKS later frees or HAK_QUARANTINE_BYTES of blocks pushed it
 * out. Its whole payload is poisoned meanwhile, so a write through a dangling pointer is
 * found when the block leaves the quarantine (or, at the latest, when it is reused), and a
 * second free finds it in state quarantined. */
#include "front/front.h"
#include "integrity/checks.h"
#include "os/os.h"
#include "slab/slab.h"

#if HAK_LEVEL_MAX >= 4

static void evict(struct hak_heap *h, int lv)
{
    void *base = h->quarantine[h->q_head];
    h->q_head = (h->q_head + 1) % HAK_QUARANTINE_BLOCKS;
    h->q_count--;
    uintptr_t a = (uintptr_t)base;
    struct hak_slab *s = hak_slab_at(a, hak_region_of(a));
    unsigned c = s->cls;
    h->q_bytes -= hak_layout[c].stride;
    char *user = (char *)base + HAK_HEADER_SIZE;
    hak_shadow_open(user, hak_layout[c].size, lv);
    size_t bad = hak_first_bad_byte(user, hak_layout[c].size, HAK_POISON_FREE);
    hak_shadow_close(user, hak_layout[c].size, lv);
    if (bad != hak_layout[c].size) {
        hak_violation_block(HAK_KIND_use_after_free_write, HAK_SITE_quarantine, user + bad, base, s,
                            HAK_POISON_FREE, (uint8_t)user[bad], "poison byte of a quarantined block");
        return; /* never reused */
    }
    hak_free_route(s, base, lv);
}

void hak_quarantine_put(struct hak_heap *h, void *base, unsigned c, int lv)
{
    if (!h->quarantine) {
        h->quarantine = hak_os_map(HAK_QUARANTINE_BLOCKS * sizeof(void *));
        if (!h->quarantine) {
            hak_free_route(hak_slab_at((uintptr_t)base, hak_layout[c].slab_shift), base, lv);
            return;
        }
    }
    while (h->q_count == HAK_QUARANTINE_BLOCKS || (h->q_count && h->q_bytes > HAK_QUARANTINE_BYTES)) evict(h, lv);
    h->quarantine[(h->q_head + h->q_count) % HAK_QUARANTINE_BLOCKS] = base;
    h->q_count++;
    h->q_bytes += hak_layout[c].stride;
}

void hak_quarantine_flush(struct hak_heap *h, int lv)
{
    while (h->q_count) evict(h, lv);
}
#endif
