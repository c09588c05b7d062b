/* The layout table: size classes, strides, offsets and the block-index arithmetic, at
 * every level. */
#include "harness.h"
#include "layout.h"
#include "superslab/superslab.h"

static void check_level(int lv)
{
    hak_level = lv;
    hak_layout_init();
    uint32_t off = lv >= 2 ? 16 : 0;
    for (unsigned c = 0; c < HAK_NCLASSES; c++) {
        const struct hak_class_layout *l = &hak_layout[c];
        EXPECT_EQ(l->size, hak_class_sizes[c]);
        EXPECT_EQ(l->user_off, off);
        EXPECT_EQ(l->user_off, hak_user_off(lv));
        EXPECT_EQ(l->next_off, lv >= 2 ? 8u : 0u);
        EXPECT_EQ(l->stride, l->size + off);
        CHECK(l->next_off + sizeof(void *) <= l->stride, "class %u: link slot outside the block", c);
        CHECK(l->batch >= 1 && l->batch <= l->tc_limit, "class %u: batch %u limit %u", c, l->batch, l->tc_limit);
        EXPECT_EQ(l->kind, c < HAK_TINY_CLASSES ? HAK_KIND_TINY : HAK_KIND_POOL);
        /* USER alignment for every block of a slab: 16 for sizes >= 16, 8 below */
        uint32_t need = l->size >= 16 ? 16 : 8;
        CHECK((hak_ss_meta_size(lv) + l->user_off) % need == 0 && l->stride % need == 0,
              "class %u at level %d: blocks not %u-aligned", c, lv, need);
        /* block index by multiplication == division, for every offset in a slab */
        uint64_t slab = (uint64_t)1 << l->slab_shift;
        EXPECT_EQ(slab / l->stride >= 1, 1);
        for (uint64_t o = 0; o < slab; o++) {
            if (hak_block_index(l, o) != o / l->stride) {
                fprintf(stderr, "class %u level %d: index(%llu) = %u, want %llu\n", c, lv,
                        (unsigned long long)o, hak_block_index(l, o), (unsigned long long)(o / l->stride));
                exit(1);
            }
        }
    }
    /* with headers the 8-byte class is left out (integrity/poison.h needs 16-byte
     * multiples); every other size maps as at level 0 */
    for (size_t n = 0; n <= HAK_TINY_MAX; n++) {
        unsigned c = hak_size_class(n), want = 0;
        while (hak_class_sizes[want] < n) want++;
        if (lv >= 2 && want == 0) want = 1;
        if (c != want) {
            fprintf(stderr, "level %d: size %zu in class %u, want %u\n", lv, n, c, want);
            exit(1);
        }
    }
}

int main(void)
{
    /* the documented table: strictly increasing, 16-byte multiples from 16 on */
    EXPECT_EQ(hak_class_sizes[0], 8);
    EXPECT_EQ(hak_class_sizes[HAK_TINY_CLASSES - 1], HAK_TINY_MAX);
    EXPECT_EQ(hak_class_sizes[HAK_NCLASSES - 1], HAK_POOL_MAX);
    for (unsigned c = 1; c < HAK_NCLASSES; c++) {
        CHECK(hak_class_sizes[c] > hak_class_sizes[c - 1], "class %u not increasing", c);
        CHECK(hak_class_sizes[c] % 16 == 0, "class %u size %u not a multiple of 16", c, hak_class_sizes[c]);
    }
    for (int lv = 4; lv >= 0; lv--) check_level(lv);

    /* size -> class: the smallest class that fits, for every size; worst waste stated in docs */
    double worst_from_16 = 0, worst_above_128 = 0;
    for (size_t n = 0; n <= HAK_POOL_MAX; n++) {
        unsigned c = hak_size_class(n);
        CHECK(c < HAK_NCLASSES, "size %zu: class %u", n, c);
        CHECK(hak_class_sizes[c] >= n, "size %zu in class %u of %u", n, c, hak_class_sizes[c]);
        CHECK(c == 0 || hak_class_sizes[c - 1] < n, "size %zu: class %u is not the smallest", n, c);
        if (n == 0) continue;
        double waste = (double)(hak_class_sizes[c] - n) / hak_class_sizes[c];
        if (n > 128 && waste > worst_above_128) worst_above_128 = waste;
        if (n >= 16 && waste > worst_from_16) worst_from_16 = waste;
    }
    printf("worst internal fragmentation: %.1f%% from 16 B, %.1f%% above 128 B\n", worst_from_16 * 100,
           worst_above_128 * 100);
    /* the figures docs/ARCHITECTURE.md states */
    CHECK(worst_from_16 < 0.47, "from 16 B the waste stays under 47%%");
    CHECK(worst_above_128 < 0.20, "above 128 B the waste stays under 20%%");
    /* a request of n takes the class of n + 1 where a tail sentinel byte is needed */
    EXPECT_EQ(hak_class_request(16, 2), 17);
    EXPECT_EQ(hak_class_request(16, 0), 16);
    return 0;
}
