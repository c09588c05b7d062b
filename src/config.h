/* Build configuration: the integrity level, the features derived from it, and the
 * compiler helpers every file uses.
 *
 * The same sources are compiled either with the level fixed (HAKMEM_FIXED_LEVEL=N,
 * libhakmem-lN.so) or with the level read at start-up (HAKMEM_RUNTIME_LEVEL,
 * libhakmem.so and libhakmem.a). Code never tests a level number directly: it tests a
 * feature below. In a fixed build each feature is a constant, so the code of a feature
 * above the level is removed by the compiler; HAK_LEVEL_MAX lets a file leave out whole
 * functions with #if. In the runtime build a feature is one load of hak_level.
 *
 *   level  feature              what it adds (docs/INTEGRITY.md has the full table)
 *   1      HAK_CHECKS(lv)       validation of every pointer given to free/realloc, links
 *   2      HAK_HEADERS(lv)      a 16-byte header per block, tail sentinel, free poisoning
 *   3      HAK_RINGS(lv)        per-thread pointer-trace rings (a mode bit, see below)
 *   4      HAK_QUARANTINE(lv)   delayed reuse, allocation/free stacks
 */
#ifndef HAK_CONFIG_H
#define HAK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(HAKMEM_FIXED_LEVEL)
#define HAK_LEVEL_MAX HAKMEM_FIXED_LEVEL
#define HAK_LEVEL HAKMEM_FIXED_LEVEL
#elif defined(HAKMEM_RUNTIME_LEVEL)
#define HAK_LEVEL_MAX 4
#define HAK_LEVEL hak_level
#else
#error "define HAKMEM_FIXED_LEVEL=N or HAKMEM_RUNTIME_LEVEL"
#endif

#if HAK_LEVEL_MAX < 0 || HAK_LEVEL_MAX > 4
#error "integrity level out of range"
#endif

/* The level in force; constant in fixed builds. Set once by hak_init. */
extern int hak_level;

/* A mode is a level plus bits for what is decided at start-up besides it:
 *   HAK_MODE_RINGS     the pointer-trace rings record (level 3 and up by default, or
 *                      HAKMEM_TRACE=1 at any level but in libhakmem-l0.so);
 *   HAK_MODE_VALGRIND  under Valgrind's memcheck (from level 1) blocks are annotated with
 *                      client requests (integrity/shadow.h); rings and stacks are off then;
 *   HAK_MODE_STACKS    allocation and free stacks are captured (level 4 by default, or
 *                      HAKMEM_STACKS=1 from level 1).
 * Functions take a mode as their `lv` argument. Fast paths are instantiated once per mode
 * with lv a constant (src/api/malloc.c), so the feature tests below fold away and no
 * feature is tested per operation; slow paths pass HAK_MODE, the mode in force (in a
 * fixed build its level part is still a constant). */
#define HAK_MODE_RINGS 8
#define HAK_MODE_VALGRIND 16
#define HAK_MODE_STACKS 32
#define HAK_MODE_BITS (HAK_MODE_RINGS | HAK_MODE_VALGRIND | HAK_MODE_STACKS)
extern int hak_mode __attribute__((visibility("hidden"))); /* read on every call: no GOT load */
#ifdef HAKMEM_FIXED_LEVEL
#define HAK_MODE (HAKMEM_FIXED_LEVEL | (HAK_LEVEL_MAX >= 1 ? hak_mode & HAK_MODE_BITS : 0))
#else
#define HAK_MODE hak_mode
#endif

#define HAK_FEAT(lv, n) (HAK_LEVEL_MAX >= (n) && ((lv) & 7) >= (n))
#define HAK_CHECKS(lv) HAK_FEAT(lv, 1)
#define HAK_HEADERS(lv) HAK_FEAT(lv, 2)
#define HAK_RINGS(lv) (HAK_LEVEL_MAX >= 1 && ((lv) & HAK_MODE_RINGS))
#define HAK_STACKS(lv) (HAK_LEVEL_MAX >= 1 && ((lv) & HAK_MODE_STACKS))
#define HAK_QUARANTINE(lv) HAK_FEAT(lv, 4)

#define hak_likely(x) __builtin_expect(!!(x), 1)
#define hak_unlikely(x) __builtin_expect(!!(x), 0)
#define HAK_INLINE static inline __attribute__((always_inline))
#define HAK_NOINLINE __attribute__((noinline))
#define HAK_COLD __attribute__((cold, noinline))
#define HAK_EXPORT __attribute__((visibility("default")))
#define HAK_ALIGNED(n) __attribute__((aligned(n)))

#define HAK_CACHE_LINE 64

/* Geometry (docs/ARCHITECTURE.md draws it). */
#define HAK_SS_SHIFT 21 /* superslabs are 2 MiB, aligned to 2 MiB */
#define HAK_SS_SIZE ((size_t)1 << HAK_SS_SHIFT)
#define HAK_SS_MASK (HAK_SS_SIZE - 1)
#define HAK_TINY_SLAB_SHIFT 16 /* 64 KiB slabs for tiny classes: 32 per superslab */
#define HAK_POOL_SLAB_SHIFT 19 /* 512 KiB slabs for the mid-size pool: 4 per superslab */
#define HAK_MAX_SLABS (HAK_SS_SIZE >> HAK_TINY_SLAB_SHIFT)
#define HAK_ADDR_BITS 47 /* user space addresses on x86-64 and aarch64 (4-level tables) */

#endif
