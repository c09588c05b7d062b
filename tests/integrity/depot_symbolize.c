/* integrity/symbolize.c: the live and the offline (maps snapshot) lookups agree and name
 * the function, odd maps lines and unknown addresses give "??" rather than a crash, and
 * the cache gives the same answers. */
#include <fcntl.h>
#include <time.h>

#include "harness.h"
#include "integrity/symbolize.h"

__attribute__((noinline)) int target_function(int x)
{
    __asm__ volatile("" ::: "memory");
    return x * 3 + 1;
}

static size_t read_maps(char *buf, size_t n)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    size_t len = 0;
    ssize_t r;
    CHECK(fd >= 0, "maps");
    while (len < n && (r = read(fd, buf + len, n - len)) > 0) len += (size_t)r;
    close(fd);
    return len;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char maps[1 << 20];

int main(void)
{
    struct hak_sym s, t;
    char text[1024];
    uintptr_t pc = (uintptr_t)target_function + 4;
    size_t len = read_maps(maps, sizeof maps);

    /* live */
    CHECK(hak_symbolize_self(NULL, pc, &s), "live lookup");
    CHECK(!strcmp(s.function, "target_function") && s.func_off == 4, "live: %s+%lu", s.function,
          (unsigned long)s.func_off);
    CHECK(strstr(s.module, "depot_symbolize"), "module %s", s.module);
    hak_sym_format(&s, text, sizeof text);
    CHECK(!strncmp(text, "target_function+0x4 (/", 22), "format: %s", text);

    /* offline: the same answer from the snapshot */
    CHECK(hak_symbolize_maps(NULL, maps, len, pc, &t), "offline lookup");
    CHECK(!strcmp(t.function, s.function) && t.func_off == s.func_off && !strcmp(t.module, s.module) &&
          t.elf_addr == s.elf_addr, "offline differs: %s %s", t.function, t.module);

    /* a libc function, through its .symtab, debug file or .dynsym */
    CHECK(hak_symbolize_self(NULL, (uintptr_t)&write, &s), "write");
    CHECK(strstr(s.function, "write") && strstr(s.module, "libc"), "write: %s in %s", s.function, s.module);

    /* frames: a return address is looked up one byte back, and reported as it is */
    CHECK(hak_symbolize_frame(NULL, pc, false, &s) && s.pc == pc && s.func_off == 4, "frame: +%lu",
          (unsigned long)s.func_off);

    /* the cache: same answers, then dropped */
    struct hak_symcache cache = {0};
    double t0 = now_ns();
    for (int i = 0; i < 200; i++) {
        CHECK(hak_symbolize_maps(&cache, maps, len, pc, &s), "cached lookup");
        CHECK(!strcmp(s.function, "target_function"), "cached: %s", s.function);
    }
    double cached = (now_ns() - t0) / 200;
    t0 = now_ns();
    for (int i = 0; i < 20; i++) hak_symbolize_self(NULL, pc, &s);
    double uncached = (now_ns() - t0) / 20;
    hak_symcache_drop(&cache);
    for (int i = 0; i < HAK_SYMCACHE_FILES; i++) CHECK(!cache.files[i].key, "dropped");
    printf("symbolize: %.0f ns cached (snapshot), %.0f ns uncached (live)\n", cached, uncached);

    /* nothing there, or nothing known */
    CHECK(!hak_symbolize_maps(NULL, maps, len, 16, &s) && !s.mapped, "page zero");
    hak_sym_format(&s, text, sizeof text);
    CHECK(!strcmp(text, "??"), "%s", text);
    const char *fake = "10000-20000 r-xp 00001000 00:00 0                          /no/such/file\n"
                       "20000-30000 rw-p 00000000 00:00 0 \n"
                       "30000-40000 r-xp 00000000 00:00 0     [vdso]\n";
    CHECK(!hak_symbolize_maps(NULL, fake, strlen(fake), 0x10010, &s) && s.mapped, "missing file");
    hak_sym_format(&s, text, sizeof text);
    CHECK(!strcmp(text, "?? (/no/such/file+0x1010)"), "missing file: %s", text);
    CHECK(!hak_symbolize_maps(NULL, fake, strlen(fake), 0x20010, &s) && s.mapped, "anonymous");
    hak_sym_format(&s, text, sizeof text);
    CHECK(!strcmp(text, "??"), "anonymous: %s", text);
    CHECK(!hak_symbolize_maps(NULL, fake, strlen(fake), 0x30010, &s), "a snapshot's vdso is not read");

    /* garbage never crashes: truncated lines, no newline, binary bytes, a file that is no ELF */
    const char *junk[] = {"", "\n\n\n", "1000", "1000-", "1000-2000", "1000-2000 r-xp", "1000-2000 r-xp 0 0",
                          "zzzz-2000 r-xp 00000000 00:00 0 /x\n", "1000-2000 r-xp 00000000 fe:00 12 /etc/hostname",
                          "1000-2000 r-xp 00000000 fe:00 12 /dev/zero\n", "\xff\xfe-\x01 \x80\n",
                          "1000-2000 r-xp 00000000 fe:00 12 /proc/self/maps"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        hak_symbolize_maps(NULL, junk[i], strlen(junk[i]), 0x1800, &s);
        hak_sym_format(&s, text, sizeof text);
    }
    struct hak_mapping m;
    const char *one = "1000-2000 r-xp 00000000 fe:00 12 /a/b c";
    CHECK(hak_maps_find(one, strlen(one), 0x1000, &m), "no newline at the end");
    CHECK(m.start == 0x1000 && m.end == 0x2000 && m.inode == 12 && !strcmp(m.path, "/a/b c") &&
          !strcmp(m.perms, "r-xp"), "parsed: %lx %lx %s", (unsigned long)m.start, (unsigned long)m.end, m.path);
    CHECK(!hak_maps_find(one, strlen(one), 0x2000, &m), "end is exclusive");

    /* a small output buffer is cut, never overrun */
    hak_symbolize_self(NULL, pc, &s);
    char small[12];
    memset(small, 'x', sizeof small);
    size_t n = hak_sym_format(&s, small, 8);
    CHECK(n == 7 && small[7] == '\0' && small[8] == 'x', "cut: %zu '%s'", n, small);
    printf("depot_symbolize: ok\n");
    return 0;
}
