/* Symbolization (symbolize.h). The map is parsed once; each file's symbols are read
 * once, on first use. */
#include "symbolize.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfsym.h"

struct mapping {
    uint64_t start, end, offset;
    uint32_t file; /* index in files; UINT32_MAX: anonymous */
};

struct file {
    char *path;
    struct elfsym *elf;
    int tried;
};

/* A real map has a few thousand lines; a hostile one is cut here. */
#define MAX_MAPS 65536
#define MAX_FILES 4096

struct symbolizer {
    struct mapping *maps;
    uint32_t nmaps, cap;
    struct file *files;
    uint32_t nfiles;
};

static uint32_t file_index(struct symbolizer *z, const char *path, size_t len)
{
    for (uint32_t i = 0; i < z->nfiles; i++)
        if (strlen(z->files[i].path) == len && memcmp(z->files[i].path, path, len) == 0) return i;
    if (z->nfiles >= MAX_FILES) return UINT32_MAX;
    struct file *nf = realloc(z->files, (z->nfiles + 1) * sizeof *nf);
    if (!nf) return UINT32_MAX;
    z->files = nf;
    char *p = strndup(path, len);
    if (!p) return UINT32_MAX;
    z->files[z->nfiles] = (struct file){.path = p};
    return z->nfiles++;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode   path". */
static void parse_line(struct symbolizer *z, const char *l, size_t len)
{
    char buf[4096 + 256];
    if (len >= sizeof buf) return;
    memcpy(buf, l, len);
    buf[len] = 0;
    unsigned long long start, end, off;
    char perms[8];
    int path_at = -1;
    if (sscanf(buf, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &path_at) < 4 || end <= start) return;
    uint32_t file = UINT32_MAX;
    if (path_at > 0 && buf[path_at] == '/') {
        size_t plen = strlen(buf + path_at);
        while (plen && (buf[path_at + plen - 1] == ' ' || buf[path_at + plen - 1] == '\r')) plen--;
        file = file_index(z, buf + path_at, plen);
    }
    if (z->nmaps == z->cap) {
        uint32_t nc = z->cap ? z->cap * 2 : 64;
        struct mapping *nm = realloc(z->maps, nc * sizeof *nm);
        if (!nm) return;
        z->maps = nm;
        z->cap = nc;
    }
    z->maps[z->nmaps++] = (struct mapping){start, end, off, file};
}

struct symbolizer *symbolizer_new(const struct vmeta *m)
{
    struct symbolizer *z = calloc(1, sizeof *z);
    if (!z || !m->maps) return z;
    const char *p = m->maps, *e = m->maps + m->maps_len;
    while (p < e && z->nmaps < MAX_MAPS) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
        parse_line(z, p, len);
        p += len + 1;
    }
    return z;
}

void symbolizer_free(struct symbolizer *z)
{
    if (!z) return;
    for (uint32_t i = 0; i < z->nfiles; i++) {
        free(z->files[i].path);
        elfsym_close(z->files[i].elf);
    }
    free(z->files);
    free(z->maps);
    free(z);
}

void symbolize(struct symbolizer *z, uint64_t pc, unsigned i, struct frame *out)
{
    *out = (struct frame){.pc = pc};
    if (!z) return;
    uint64_t at = i > 0 && pc ? pc - 1 : pc;
    for (uint32_t k = 0; k < z->nmaps; k++) {
        const struct mapping *mp = &z->maps[k];
        if (at < mp->start || at >= mp->end) continue;
        if (mp->file == UINT32_MAX) return;
        struct file *f = &z->files[mp->file];
        out->module = f->path;
        uint64_t foff = at - mp->start + mp->offset;
        out->offset = foff;
        if (!f->tried) {
            f->tried = 1;
            f->elf = elfsym_open(f->path);
        }
        uint64_t vaddr, off;
        if (!f->elf || !elfsym_vaddr(f->elf, foff, &vaddr)) return;
        const char *fn = elfsym_lookup(f->elf, vaddr, &off);
        if (fn) {
            out->func = fn;
            out->offset = off + (pc - at); /* report the return address's own offset */
        }
        return;
    }
}

void stack_text(struct symbolizer *z, const struct vstack *st, FILE *f)
{
    for (uint32_t i = 0; i < st->depth; i++) {
        struct frame fr;
        symbolize(z, st->pc[i], i, &fr);
        fprintf(f, "    #%-2u 0x%016" PRIx64, i, fr.pc);
        if (fr.func) fprintf(f, " %s+0x%" PRIx64, fr.func, fr.offset);
        else if (fr.module) fprintf(f, " +0x%" PRIx64, fr.offset);
        if (fr.module) {
            const char *base = strrchr(fr.module, '/');
            fprintf(f, " (%s)", base ? base + 1 : fr.module);
        }
        fputc('\n', f);
    }
}

void stack_json(struct symbolizer *z, const struct vstack *st, struct json *j)
{
    json_arr(j);
    for (uint32_t i = 0; i < st->depth; i++) {
        struct frame fr;
        symbolize(z, st->pc[i], i, &fr);
        json_obj(j);
        json_khex(j, "pc", fr.pc);
        json_key(j, "function");
        if (fr.func) json_str(j, fr.func);
        else json_null(j);
        json_khex(j, "offset", fr.offset);
        json_key(j, "module");
        if (fr.module) json_str(j, fr.module);
        else json_null(j);
        json_end(j);
    }
    json_aend(j);
}
