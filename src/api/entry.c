/* Redirecting libhakmem.so's entry points to the mode's instance (entry.h). */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>

#include "api/entry.h"
#include "os/os.h"

/* "TracerPid:\t0" in /proc/self/status: nobody traces this process. */
static bool untraced(void)
{
    char buf[4096];
    if (!hak_os_read_small("/proc/self/status", buf, sizeof buf)) return false;
    const char *t = strstr(buf, "\nTracerPid:");
    if (!t) return false;
    t += sizeof "\nTracerPid:" - 1;
    while (*t == ' ' || *t == '\t') t++;
    return t[0] == '0' && (t[1] == '\n' || t[1] == 0);
}

bool hak_entry_redirect_ok(void)
{
#if defined(__x86_64__)
    return __libc_single_threaded && untraced();
#else
    return false;
#endif
}

/* REX.W, an opcode taking a ModRM and no immediate (add, cmp, mov, movsxd), and ModRM
 * mod 00 r/m 101: reg, [rip + disp32], 7 bytes. */
static bool rip_relative_7(const uint8_t *c)
{
    return (c[0] == 0x48 || c[0] == 0x4c) &&
           (c[1] == 0x03 || c[1] == 0x3b || c[1] == 0x39 || c[1] == 0x63 || c[1] == 0x8b) &&
           (c[2] & 0xc7) == 0x05;
}

bool hak_entry_redirect(void *entry, const void *to)
{
#if defined(__x86_64__)
    uintptr_t a = (uintptr_t)entry;
    intptr_t rel = (intptr_t)to - (intptr_t)(a + 5);
    /* functions start 16-byte aligned: the 8 bytes below are one naturally aligned word */
    if ((a & 7) || rel != (int32_t)rel || !rip_relative_7(entry)) return false;
    uintptr_t page = a & ~(uintptr_t)(hak_page_size - 1);
    size_t len = a + 8 - page;
    if (mprotect((void *)page, len, PROT_READ | PROT_WRITE | PROT_EXEC)) return false;
    uint64_t *word = (uint64_t *)entry, old = *word, jmp = old;
    uint8_t *b = (uint8_t *)&jmp;
    int32_t rel32 = (int32_t)rel;
    b[0] = 0xe9;
    memcpy(b + 1, &rel32, 4);
    __atomic_store_n(word, jmp, __ATOMIC_RELEASE);
    if (mprotect((void *)page, len, PROT_READ | PROT_EXEC)) {
        /* the page stays writable: at least leave the original code in it */
        __atomic_store_n(word, old, __ATOMIC_RELEASE);
        return false;
    }
    return true;
#else
    (void)entry;
    (void)to;
    return false;
#endif
}
