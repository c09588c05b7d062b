/* Packed ring entries (trace/pack.h): a fast path's events packed into one entry unpack
 * into exactly those events, field for field; events that one entry cannot hold whole
 * are not packed. */
#include "harness.h"
#include "trace/ring.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* The events of a as the ring would hold them one by one, numbered from seq. */
static void expected(unsigned k, const struct hak_ev_arg *a, uint64_t seq, uint64_t who, struct hak_event *out)
{
    for (unsigned i = 0; i < k; i++) hak_ev_fill(&out[i], seq + i, who, &a[i]);
}

/* Packs a, which must pack, into an entry, unpacks it and compares with the events. */
static void round_trip(unsigned k, const struct hak_ev_arg *a, const char *what)
{
    struct hak_ev_arg p;
    CHECK(hak_pack(k, a, &p), "%s: not packed", what);
    uint64_t seq = test_rand(&rng) >> 8, who = hak_ev_who((uint32_t)test_rand(&rng), (unsigned)(test_rand(&rng) % 40));
    struct hak_event entry, got[HAK_PACK_MAX], want[HAK_PACK_MAX];
    hak_ev_fill(&entry, seq, who, &p);
    EXPECT_EQ(hak_pack_events(entry.op), k);
    EXPECT_EQ(hak_unpack(&entry, got), k);
    expected(k, a, seq, who, want);
    for (unsigned i = 0; i < k; i++)
        CHECK(!memcmp(&got[i], &want[i], sizeof got[i]),
              "%s: event %u: op %u ptr %#llx base %#llx value %#llx size %llu site %u, want op %u ptr %#llx base %#llx "
              "value %#llx size %llu site %u",
              what, i, got[i].op, (unsigned long long)got[i].ptr, (unsigned long long)got[i].base,
              (unsigned long long)got[i].value, (unsigned long long)got[i].size, got[i].site, want[i].op,
              (unsigned long long)want[i].ptr, (unsigned long long)want[i].base, (unsigned long long)want[i].value,
              (unsigned long long)want[i].size, want[i].site);
}

static unsigned refused;

static void not_packed(unsigned k, const struct hak_ev_arg *a, const char *what)
{
    struct hak_ev_arg p;
    refused++;
    CHECK(!hak_pack(k, a, &p), "%s: packed, but the entry cannot hold it whole", what);
}

#define P(x) ((const void *)(uintptr_t)(x))

/* A malloc's events as hak_bin_pop records them: the link slot at slot_off from BASE,
 * USER at user_off. */
static void pop_events(struct hak_ev_arg ev[3], uint64_t base, int slot_off, int user_off, uint64_t next,
                       uint64_t count, uint64_t n, uint64_t usable, unsigned site)
{
    ev[0] = (struct hak_ev_arg){HAK_EV_tls_pop, site, P(base + slot_off), P(base), next, count};
    ev[1] = (struct hak_ev_arg){HAK_EV_header_write, HAK_SITE_front_malloc, P(base), P(base), HAK_HDR_LIVE, n};
    ev[2] = (struct hak_ev_arg){HAK_EV_alloc, site, P(base + user_off), P(base), usable, n};
}

/* A free's events as hak_front_free and hak_bin_push record them. */
static void free_events(struct hak_ev_arg ev[2], uint64_t freed, uint64_t user, int slot_off, int pushed_off,
                        uint64_t old, uint64_t count, unsigned site)
{
    ev[0] = (struct hak_ev_arg){HAK_EV_free, HAK_SITE_front_free, P(user), P(freed), 0, 0};
    ev[1] = (struct hak_ev_arg){HAK_EV_tls_push, site, P(freed + slot_off), P(freed + pushed_off), old, count};
}

int main(void)
{
    struct hak_ev_arg ev[3];
    for (int i = 0; i < 20000; i++) {
        uint64_t base = test_rand(&rng) & ~(uint64_t)7, next = test_rand(&rng), count = test_rand(&rng) >> 32;
        uint64_t n = test_rand(&rng) >> 32, usable = test_rand(&rng) >> 32;
        int off1 = (int)(test_rand(&rng) % 65536) - 32768, off2 = (int)(test_rand(&rng) % 65536) - 32768;
        unsigned site = (unsigned)(test_rand(&rng) % HAK_SITE_LIMIT);
        pop_events(ev, base, off1, off2, next, count, n, usable, site);
        round_trip(3, ev, "tls_pop, header_write, alloc");
        ev[1] = ev[2]; /* below level 2, or a block left without its header: no header_write */
        round_trip(2, ev, "tls_pop, alloc");
        free_events(ev, base, next, off1, off2, test_rand(&rng), count, site);
        round_trip(2, ev, "free, tls_push");
    }
    /* the fast paths' own shapes: level 2 (link at BASE+8, USER at BASE+16), level 1 */
    pop_events(ev, 0x7f0000001000, 8, 16, 0x7f0000001040, 63, 24, 32, HAK_SITE_front_malloc);
    round_trip(3, ev, "level 2 malloc");
    pop_events(ev, 0x7f0000001000, 0, 0, 0, 0, 1, 8, HAK_SITE_slow_malloc);
    ev[1] = ev[2];
    round_trip(2, ev, "level 1 malloc");
    free_events(ev, 0x7f0000001000, 0x7f0000001010, 8, 0, 0x7f0000002000, 64, HAK_SITE_front_free);
    round_trip(2, ev, "level 2 free");

    /* what one entry cannot hold */
    pop_events(ev, 0x7f0000001000, 8, 40000, 0, 1, 24, 32, HAK_SITE_front_malloc);
    not_packed(3, ev, "USER 40000 bytes from BASE");
    pop_events(ev, 0x7f0000001000, -32769, 16, 0, 1, 24, 32, HAK_SITE_front_malloc);
    not_packed(3, ev, "link slot 32769 bytes below BASE");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, (uint64_t)1 << 32, 24, 32, HAK_SITE_front_malloc);
    not_packed(3, ev, "a count of 2^32");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, (uint64_t)1 << 32, 32, HAK_SITE_front_malloc);
    not_packed(3, ev, "a request of 4 GiB");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, 24, (uint64_t)1 << 32, HAK_SITE_front_malloc);
    not_packed(3, ev, "a usable size of 4 GiB");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, 24, 32, HAK_SITE_front_malloc);
    ev[1].value = HAK_HDR_FREE;
    not_packed(3, ev, "a header_write of another word");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, 24, 32, HAK_SITE_front_malloc);
    ev[1].size = 25;
    not_packed(3, ev, "a header_write of another size");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, 24, 32, HAK_SITE_front_malloc);
    ev[2].base = P(0x7f0000002000);
    not_packed(3, ev, "an alloc of another block");
    pop_events(ev, 0x7f0000001000, 8, 16, 0, 1, 24, 32, HAK_SITE_front_malloc);
    ev[2].site = HAK_SITE_slow_malloc;
    not_packed(3, ev, "an alloc at another site");
    free_events(ev, 0x7f0000001000, 0x7f0000001010, 8, 0, 0, 1, HAK_SITE_front_free);
    ev[0].site = HAK_SITE_slow_free;
    not_packed(2, ev, "a free at another site");
    free_events(ev, 0x7f0000001000, 0x7f0000001010, 8, 0, 0, 1, HAK_SITE_front_free);
    ev[0].size = 24;
    not_packed(2, ev, "a free with its size");
    free_events(ev, 0x7f0000001000, 0x7f0000001010, 8, 0, 0, (uint64_t)1 << 32, HAK_SITE_front_free);
    not_packed(2, ev, "a push count of 2^32");
    /* other batches are never packed */
    ev[0] = (struct hak_ev_arg){HAK_EV_refill, HAK_SITE_front_malloc, P(1), P(2), 3, 4};
    ev[1] = (struct hak_ev_arg){HAK_EV_tls_pop, HAK_SITE_front_malloc, P(1), P(2), 3, 4};
    not_packed(2, ev, "refill, tls_pop");
    not_packed(1, ev, "one event");
    /* an entry that is an event unpacks into itself */
    struct hak_event one, out[HAK_PACK_MAX];
    hak_ev_fill(&one, 77, hak_ev_who(5, 3), &ev[0]);
    EXPECT_EQ(hak_unpack(&one, out), 1);
    CHECK(!memcmp(&one, &out[0], sizeof one), "an event unpacked into something else");
    printf("pack: 20000 random batches of each shape and the fast paths' own round-trip; %u batches not packed\n", refused);
    return 0;
}
