/* Symbolization of code addresses (see symbolize.h). Self-contained on purpose: no
 * config.h, no allocator, no stdio, so the viewer can compile it unchanged. Level-0
 * builds leave it out, like every integrity/ file. */
#if !(defined(HAKMEM_FIXED_LEVEL) && HAKMEM_FIXED_LEVEL == 0)

#include "integrity/symbolize.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// ---- small string helpers (no libc calls that could allocate or lock) ----

struct out {
    char *p, *end;
};

static void put_c(struct out *o, char c)
{
    if (o->p < o->end) *o->p++ = c;
}

static void put_s(struct out *o, const char *s)
{
    while (*s) put_c(o, *s++);
}

static void put_hex(struct out *o, uint64_t v)
{
    char tmp[16];
    int n = 0;
    do tmp[n++] = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    put_s(o, "0x");
    while (n) put_c(o, tmp[--n]);
}

static void copy_cut(char *dst, size_t size, const char *src, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
    dst[n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses digits of base (10 or 16) at *p; false when there are none. */
static bool parse_num(const char **p, const char *end, unsigned base, uint64_t *v)
{
    const char *s = *p;
    *v = 0;
    while (s < end) {
        int d = hexval(*s);
        if (d < 0 || (unsigned)d >= base) break;
        *v = *v * base + (unsigned)d;
        s++;
    }
    if (s == *p) return false;
    *p = s;
    return true;
}

// ---- maps ----

/* "start-end perms offset dev inode   path": the fields the lookup needs. */
static bool parse_line(const char *s, const char *end, struct hak_mapping *m)
{
    uint64_t v;
    if (!parse_num(&s, end, 16, &v)) return false;
    m->start = (uintptr_t)v;
    if (s >= end || *s++ != '-' || !parse_num(&s, end, 16, &v)) return false;
    m->end = (uintptr_t)v;
    if (s + 6 > end || *s++ != ' ') return false;
    copy_cut(m->perms, sizeof m->perms, s, 4);
    s += 4;
    if (*s++ != ' ' || !parse_num(&s, end, 16, &m->offset)) return false;
    while (s < end && *s == ' ') s++;
    while (s < end && *s != ' ') s++; /* device */
    while (s < end && *s == ' ') s++;
    if (!parse_num(&s, end, 10, &m->inode)) return false;
    while (s < end && *s == ' ') s++;
    copy_cut(m->path, sizeof m->path, s, (size_t)(end - s));
    return true;
}

/* Looks for pc in the complete lines of buf; *used: bytes consumed. */
static bool scan_lines(const char *buf, size_t len, uintptr_t pc, struct hak_mapping *m, size_t *used)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && buf[j] != '\n') j++;
        if (j == len && used) break; /* partial: the caller reads more */
        if (parse_line(buf + i, buf + j, m) && m->start <= pc && pc < m->end) return true;
        i = j + 1;
    }
    if (used) *used = i < len ? i : len;
    return false;
}

bool hak_maps_find(const char *maps, size_t len, uintptr_t pc, struct hak_mapping *m)
{
    return scan_lines(maps, len, pc, m, NULL);
}

bool hak_maps_find_self(uintptr_t pc, struct hak_mapping *m)
{
    char buf[8192];
    size_t have = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    bool found = false;
    if (fd < 0) return false;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r < 0) break;
        if (r == 0) { /* a last line without a newline */
            found = have && scan_lines(buf, have, pc, m, NULL);
            break;
        }
        have += (size_t)r;
        size_t used = 0;
        if (scan_lines(buf, have, pc, m, &used)) {
            found = true;
            break;
        }
        if (used == 0 && have == sizeof buf) used = have; /* a line longer than buf: skip it */
        for (size_t k = used; k < have; k++) buf[k - used] = buf[k];
        have -= used;
    }
    close(fd);
    return found;
}

// ---- ELF ----

/* len bytes at off inside the image, or NULL. */
static const void *at(const unsigned char *img, size_t size, uint64_t off, uint64_t len)
{
    if (off > size || len > size - off) return NULL;
    return img + off;
}

static const Elf64_Ehdr *elf_header(const unsigned char *img, size_t size)
{
    const Elf64_Ehdr *eh = at(img, size, 0, sizeof *eh);
    if (!eh || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
        eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64)
        return NULL;
    return eh;
}

static const Elf64_Shdr *section(const unsigned char *img, size_t size, const Elf64_Ehdr *eh, unsigned i)
{
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || i >= eh->e_shnum) return NULL;
    return at(img, size, eh->e_shoff + (uint64_t)i * sizeof(Elf64_Shdr), sizeof(Elf64_Shdr));
}

/* The address the file offset off is loaded at, in the file's own address space. */
static bool elf_addr_of(const unsigned char *img, size_t size, uint64_t off, uint64_t *addr)
{
    const Elf64_Ehdr *eh = elf_header(img, size);
    if (!eh || eh->e_phentsize != sizeof(Elf64_Phdr)) return false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = at(img, size, eh->e_phoff + (uint64_t)i * sizeof *ph, sizeof *ph);
        if (!ph) return false;
        if (ph->p_type == PT_LOAD && ph->p_offset <= off && off - ph->p_offset < ph->p_filesz) {
            *addr = off - ph->p_offset + ph->p_vaddr;
            return true;
        }
    }
    return false;
}

/* Of aliases, the name a reader expects: global before weak before local. */
static int rank(const Elf64_Sym *s)
{
    unsigned b = ELF64_ST_BIND(s->st_info);
    return b == STB_GLOBAL ? 2 : b == STB_WEAK ? 1 : 0;
}

/* The function symbol of the table of type (SHT_SYMTAB, SHT_DYNSYM) that covers addr;
 * among nested ones the innermost. */
static bool elf_lookup(const unsigned char *img, size_t size, unsigned type, uint64_t addr, char *name,
                       size_t n, uint64_t *off)
{
    const Elf64_Ehdr *eh = elf_header(img, size);
    if (!eh) return false;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = section(img, size, eh, i), *strh;
        if (!sh || sh->sh_type != type || sh->sh_entsize != sizeof(Elf64_Sym)) continue;
        const Elf64_Sym *syms = at(img, size, sh->sh_offset, sh->sh_size);
        if (!syms || !(strh = section(img, size, eh, sh->sh_link))) continue;
        const char *str = at(img, size, strh->sh_offset, strh->sh_size);
        if (!str) continue;
        const Elf64_Sym *best = NULL;
        for (size_t k = 0; k < sh->sh_size / sizeof(Elf64_Sym); k++) {
            const Elf64_Sym *s = &syms[k];
            unsigned t = ELF64_ST_TYPE(s->st_info);
            if ((t != STT_FUNC && t != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF || !s->st_size) continue;
            if (addr < s->st_value || addr - s->st_value >= s->st_size) continue;
            if (!best || s->st_value > best->st_value ||
                (s->st_value == best->st_value && rank(s) > rank(best)))
                best = s;
        }
        if (best && best->st_name < strh->sh_size) {
            size_t len = 0, max = strh->sh_size - best->st_name;
            /* "name@@VERSION" in some tables: the version is noise in a backtrace */
            while (len < max && str[best->st_name + len] && str[best->st_name + len] != '@') len++;
            copy_cut(name, n, str + best->st_name, len);
            *off = addr - best->st_value;
            return true;
        }
    }
    return false;
}

static bool elf_has(const unsigned char *img, size_t size, unsigned type)
{
    const Elf64_Ehdr *eh = elf_header(img, size);
    for (unsigned i = 0; eh && i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = section(img, size, eh, i);
        if (sh && sh->sh_type == type) return true;
    }
    return false;
}

/* /usr/lib/debug/.build-id/xx/yyyy.debug for the file's GNU build id. */
static bool debug_path(const unsigned char *img, size_t size, char *buf, size_t n)
{
    const Elf64_Ehdr *eh = elf_header(img, size);
    for (unsigned i = 0; eh && i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = section(img, size, eh, i);
        if (!sh || sh->sh_type != SHT_NOTE) continue;
        const unsigned char *p = at(img, size, sh->sh_offset, sh->sh_size);
        uint64_t left = p ? sh->sh_size : 0;
        while (left >= sizeof(Elf64_Nhdr)) {
            const Elf64_Nhdr *nh = (const Elf64_Nhdr *)p;
            uint64_t nsz = (nh->n_namesz + 3u) & ~3u, dsz = (nh->n_descsz + 3u) & ~3u;
            if (sizeof *nh + nsz + dsz > left) break;
            const unsigned char *desc = p + sizeof *nh + nsz;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && nh->n_descsz >= 2 &&
                p[sizeof *nh] == 'G' && p[sizeof *nh + 1] == 'N' && p[sizeof *nh + 2] == 'U') {
                struct out o = {buf, buf + n - 1};
                put_s(&o, "/usr/lib/debug/.build-id/");
                for (unsigned k = 0; k < nh->n_descsz; k++) {
                    put_c(&o, "0123456789abcdef"[desc[k] >> 4]);
                    put_c(&o, "0123456789abcdef"[desc[k] & 15]);
                    if (k == 0) put_c(&o, '/');
                }
                put_s(&o, ".debug");
                *o.p = '\0';
                return o.p < o.end;
            }
            p += sizeof *nh + nsz + dsz;
            left -= sizeof *nh + nsz + dsz;
        }
    }
    return false;
}

static const unsigned char *map_file(const char *path, size_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    void *p = MAP_FAILED;
    if (fd < 0) return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr))
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return NULL;
    if (!elf_header(p, (size_t)st.st_size)) {
        munmap(p, (size_t)st.st_size);
        return NULL;
    }
    *size = (size_t)st.st_size;
    return p;
}

/* Maps the file and, when it has no .symtab, its debug file. */
static bool open_file(const char *path, struct hak_symfile *f)
{
    char dbg[128];
    f->debug = NULL;
    f->debug_size = 0;
    if (!(f->image = map_file(path, &f->image_size))) return false;
    if (!elf_has(f->image, f->image_size, SHT_SYMTAB) && debug_path(f->image, f->image_size, dbg, sizeof dbg))
        f->debug = map_file(dbg, &f->debug_size);
    return true;
}

static void close_file(struct hak_symfile *f)
{
    if (f->image) munmap((void *)f->image, f->image_size);
    if (f->debug) munmap((void *)f->debug, f->debug_size);
    f->image = f->debug = NULL;
    f->key = 0;
}

void hak_symcache_drop(struct hak_symcache *c)
{
    for (unsigned i = 0; i < HAK_SYMCACHE_FILES; i++)
        if (c->files[i].key) close_file(&c->files[i]);
    c->next = 0;
}

static uint64_t file_key(const struct hak_mapping *m)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ m->inode;
    for (const char *s = m->path; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* The file of mapping m: from the cache, or mapped into tmp (the caller closes it). */
static struct hak_symfile *get_file(struct hak_symcache *c, const struct hak_mapping *m, struct hak_symfile *tmp)
{
    uint64_t key = file_key(m);
    if (!c) return open_file(m->path, tmp) ? tmp : NULL;
    for (unsigned i = 0; i < HAK_SYMCACHE_FILES; i++)
        if (c->files[i].key == key) return &c->files[i];
    struct hak_symfile *f = &c->files[c->next++ % HAK_SYMCACHE_FILES];
    if (f->key) close_file(f);
    if (!open_file(m->path, f)) return NULL;
    f->key = key;
    return f;
}

static bool lookup_in(const unsigned char *img, size_t size, const unsigned char *dbg, size_t dbg_size,
                      uint64_t file_off, struct hak_sym *out)
{
    if (!elf_addr_of(img, size, file_off, &out->elf_addr)) {
        out->elf_addr = file_off;
        return false;
    }
    out->found = (dbg && elf_lookup(dbg, dbg_size, SHT_SYMTAB, out->elf_addr, out->function,
                                    sizeof out->function, &out->func_off)) ||
                 elf_lookup(img, size, SHT_SYMTAB, out->elf_addr, out->function, sizeof out->function,
                            &out->func_off) ||
                 elf_lookup(img, size, SHT_DYNSYM, out->elf_addr, out->function, sizeof out->function,
                            &out->func_off);
    return out->found;
}

static bool str_is(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

bool hak_symbolize_in(struct hak_symcache *cache, const struct hak_mapping *m, uintptr_t pc, bool live,
                      struct hak_sym *out)
{
    size_t plen = 0;
    while (m->path[plen]) plen++;
    out->mapped = true;
    out->elf_addr = pc - m->start + m->offset; /* the file offset, until the ELF file says better */
    copy_cut(out->module, sizeof out->module, m->path, plen);
    if (live && str_is(m->path, "[vdso]")) /* the kernel maps the whole ELF image there */
        return lookup_in((const unsigned char *)m->start, m->end - m->start, NULL, 0, pc - m->start, out);
    if (m->path[0] != '/') return false;
    struct hak_symfile tmp = {0}, *f = get_file(cache, m, &tmp);
    if (!f) return false;
    lookup_in(f->image, f->image_size, f->debug, f->debug_size, pc - m->start + m->offset, out);
    if (f == &tmp) close_file(&tmp);
    return out->found;
}

static void sym_init(struct hak_sym *out, uintptr_t pc)
{
    out->pc = pc;
    out->mapped = out->found = false;
    out->elf_addr = out->func_off = 0;
    out->module[0] = out->function[0] = '\0';
}

bool hak_symbolize_maps(struct hak_symcache *cache, const char *maps, size_t len, uintptr_t pc,
                        struct hak_sym *out)
{
    struct hak_mapping m;
    sym_init(out, pc);
    return hak_maps_find(maps, len, pc, &m) && hak_symbolize_in(cache, &m, pc, false, out);
}

bool hak_symbolize_self(struct hak_symcache *cache, uintptr_t pc, struct hak_sym *out)
{
    struct hak_mapping m;
    sym_init(out, pc);
    return hak_maps_find_self(pc, &m) && hak_symbolize_in(cache, &m, pc, true, out);
}

bool hak_symbolize_frame(struct hak_symcache *cache, uintptr_t pc, bool exact, struct hak_sym *out)
{
    uintptr_t at_pc = exact || !pc ? pc : pc - 1;
    bool found = hak_symbolize_self(cache, at_pc, out);
    if (!exact && pc) { /* report the address itself, offsets included */
        out->pc = pc;
        if (out->found) out->func_off++;
        if (out->mapped) out->elf_addr++;
    }
    return found;
}

size_t hak_sym_format(const struct hak_sym *s, char *buf, size_t size)
{
    struct out o = {buf, buf + (size ? size - 1 : 0)};
    if (!size) return 0;
    if (s->found) {
        put_s(&o, s->function);
        put_c(&o, '+');
        put_hex(&o, s->func_off);
        put_s(&o, " (");
        put_s(&o, s->module);
        put_c(&o, ')');
    } else if (s->mapped && s->module[0]) {
        put_s(&o, "?? (");
        put_s(&o, s->module);
        if (s->module[0] == '/' || s->module[0] == '[') {
            put_c(&o, '+');
            put_hex(&o, s->elf_addr);
        }
        put_c(&o, ')');
    } else {
        put_s(&o, "??");
    }
    *o.p = '\0';
    return (size_t)(o.p - buf);
}

#endif
