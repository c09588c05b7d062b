/* ELF symbols (elfsym.h). */
#include "elfsym.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (4ull << 30)
#define MAX_TABLE (256u << 20)

struct sym {
    uint64_t addr, size;
    uint32_t name; /* offset in names */
};

struct seg {
    uint64_t off, filesz, vaddr;
};

struct elfsym {
    struct seg *segs;
    uint32_t nsegs;
    struct sym *syms;
    uint32_t nsyms;
    char *names;
    uint64_t names_len;
};

static int rd(int fd, uint64_t off, void *buf, uint64_t n, uint64_t fsize)
{
    if (off > fsize || n > fsize - off) return -1;
    char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r <= 0) return -1;
        p += r;
        n -= (uint64_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int by_addr(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Loads the function symbols of one symbol table section and its string table. */
static int load_symtab(struct elfsym *e, int fd, uint64_t fsize, const Elf64_Shdr *sh, const Elf64_Shdr *strh)
{
    if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_size > MAX_TABLE || strh->sh_size > MAX_TABLE) return -1;
    uint64_t n = sh->sh_size / sizeof(Elf64_Sym);
    Elf64_Sym *tab = malloc(n ? n * sizeof *tab : 1);
    char *str = malloc(strh->sh_size + 1);
    struct sym *syms = malloc(n ? n * sizeof *syms : 1);
    if (!tab || !str || !syms || rd(fd, sh->sh_offset, tab, n * sizeof *tab, fsize) ||
        rd(fd, strh->sh_offset, str, strh->sh_size, fsize)) {
        free(tab);
        free(str);
        free(syms);
        return -1;
    }
    str[strh->sh_size] = 0; /* every name ends inside the table */
    uint32_t k = 0;
    for (uint64_t i = 0; i < n; i++) {
        const Elf64_Sym *s = &tab[i];
        unsigned type = ELF64_ST_TYPE(s->st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !s->st_value || s->st_shndx == SHN_UNDEF) continue;
        if (s->st_name >= strh->sh_size) continue;
        syms[k++] = (struct sym){.addr = s->st_value, .size = s->st_size, .name = s->st_name};
    }
    free(tab);
    qsort(syms, k, sizeof *syms, by_addr);
    e->syms = syms;
    e->nsyms = k;
    e->names = str;
    e->names_len = strh->sh_size;
    return 0;
}

struct elfsym *elfsym_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return NULL;
    struct stat st;
    struct elfsym *e = calloc(1, sizeof *e);
    Elf64_Ehdr eh;
    Elf64_Shdr *shdrs = NULL;
    Elf64_Phdr *phdrs = NULL;
    if (!e || fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE) goto bad;
    uint64_t fsize = (uint64_t)st.st_size;
    if (rd(fd, 0, &eh, sizeof eh, fsize) || memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB)
        goto bad;
    if (eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum) {
        phdrs = malloc((size_t)eh.e_phnum * sizeof *phdrs);
        e->segs = malloc((size_t)eh.e_phnum * sizeof *e->segs);
        if (!phdrs || !e->segs || rd(fd, eh.e_phoff, phdrs, (uint64_t)eh.e_phnum * sizeof *phdrs, fsize)) goto bad;
        for (unsigned i = 0; i < eh.e_phnum; i++)
            if (phdrs[i].p_type == PT_LOAD)
                e->segs[e->nsegs++] = (struct seg){phdrs[i].p_offset, phdrs[i].p_filesz, phdrs[i].p_vaddr};
    }
    if (eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum) {
        shdrs = malloc((size_t)eh.e_shnum * sizeof *shdrs);
        if (!shdrs || rd(fd, eh.e_shoff, shdrs, (uint64_t)eh.e_shnum * sizeof *shdrs, fsize)) goto bad;
        /* .symtab when present (every function), else .dynsym (the exported ones) */
        for (int pass = 0; pass < 2 && !e->nsyms; pass++) {
            unsigned want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
            for (unsigned i = 0; i < eh.e_shnum; i++) {
                if (shdrs[i].sh_type != want || shdrs[i].sh_link >= eh.e_shnum) continue;
                free(e->syms);
                free(e->names);
                e->syms = NULL;
                e->names = NULL;
                e->nsyms = 0;
                load_symtab(e, fd, fsize, &shdrs[i], &shdrs[shdrs[i].sh_link]);
                break;
            }
        }
    }
    free(shdrs);
    free(phdrs);
    close(fd);
    return e;
bad:
    free(shdrs);
    free(phdrs);
    close(fd);
    elfsym_close(e);
    return NULL;
}

void elfsym_close(struct elfsym *e)
{
    if (!e) return;
    free(e->segs);
    free(e->syms);
    free(e->names);
    free(e);
}

int elfsym_vaddr(const struct elfsym *e, uint64_t file_off, uint64_t *vaddr)
{
    for (uint32_t i = 0; i < e->nsegs; i++) {
        const struct seg *s = &e->segs[i];
        if (file_off >= s->off && file_off - s->off < s->filesz) {
            *vaddr = file_off - s->off + s->vaddr;
            return 1;
        }
    }
    return 0;
}

const char *elfsym_lookup(const struct elfsym *e, uint64_t vaddr, uint64_t *offset)
{
    /* the last symbol starting at or below vaddr */
    uint32_t lo = 0, hi = e->nsyms;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->syms[mid].addr <= vaddr) lo = mid + 1;
        else hi = mid;
    }
    if (!lo) return NULL;
    const struct sym *s = &e->syms[lo - 1];
    /* a sized symbol must contain it; an unsized one is taken if it is the last below */
    if (s->size && vaddr - s->addr >= s->size) {
        /* an alias or a nested symbol may cover it: look a few back */
        for (uint32_t k = lo - 1; k-- > 0 && lo - k < 16;) {
            const struct sym *t = &e->syms[k];
            if (t->size && vaddr - t->addr < t->size) {
                s = t;
                goto found;
            }
        }
        return NULL;
    }
found:
    *offset = vaddr - s->addr;
    return e->names + s->name;
}
