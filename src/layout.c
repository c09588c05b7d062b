/* The layout table (see layout.h): size classes, strides and offsets for the level in force. */
#include "layout.h"

/* Tiny: 8 (requests under 16 need only 8-byte alignment), then 16-byte steps to 128,
 * then four classes per power of two. Pool: four classes per power of two up to 128 KiB.
 * Worst-case internal fragmentation: 47% at 17 bytes (-> 32), under 20% above 128 B. */
const uint32_t hak_class_sizes[HAK_NCLASSES] = {
    8,     16,    32,    48,    64,    80,    96,     112,    128,    160,    192,    224,   256,
    320,   384,   448,   512,   640,   768,   896,    1024,                               /* tiny */
    1280,  1536,  1792,  2048,  2560,  3072,  3584,   4096,   5120,   6144,   7168,  8192,
    10240, 12288, 14336, 16384, 20480, 24576, 28672,  32768,  40960,  49152,  57344, 65536,
    81920, 98304, 114688, 131072,                                                       /* pool */
};

struct hak_class_layout hak_layout[HAK_NCLASSES];
uint8_t hak_small_class[(HAK_TINY_MAX >> 3) + 1];

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void hak_layout_init(void)
{
    /* With headers (level 2 and up) the 8-byte class is left out: every class is then a
     * multiple of 16 bytes, which the poison and the tail sentinel rely on
     * (integrity/poison.h). */
    unsigned c = HAK_HEADERS(HAK_LEVEL) ? 1 : 0;
    for (unsigned i = 0; i <= (HAK_TINY_MAX >> 3); i++) {
        uint32_t n = i << 3; /* the largest size that maps to index i */
        while (hak_class_sizes[c] < n) c++;
        hak_small_class[i] = (uint8_t)c;
    }
    for (c = 0; c < HAK_NCLASSES; c++) {
        struct hak_class_layout *l = &hak_layout[c];
        bool tiny = c < HAK_TINY_CLASSES;
        l->size = hak_class_sizes[c];
        l->user_off = hak_user_off(HAK_LEVEL);
        l->next_off = hak_next_off(HAK_LEVEL);
        l->stride = l->user_off + l->size;
        l->kind = tiny ? HAK_KIND_TINY : HAK_KIND_POOL;
        l->slab_shift = tiny ? HAK_TINY_SLAB_SHIFT : HAK_POOL_SLAB_SHIFT;
        /* A thread keeps about 64 KiB of tiny (up to 2048 blocks) or 256 KiB of pool blocks per class. */
        l->tc_limit = tiny ? clamp_u32(65536 / l->size, 32, 2048) : clamp_u32(262144 / l->size, 2, 64);
        l->batch = clamp_u32(l->tc_limit / 4, 1, 128);
        l->div_magic = (((uint64_t)1 << HAK_DIV_SHIFT) + l->stride - 1) / l->stride;
    }
}
