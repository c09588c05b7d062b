/* Opening an input (source.h): a directory is an LTTng/CTF trace, anything else a dump. */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct vsource *vsource_alloc(enum vformat f, const char *path)
{
    struct vsource *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->meta.format = f;
    s->meta.path = path;
    s->meta.remote_end = VDEFAULT_REMOTE_END;
    return s;
}

struct vsource *vsource_open(const char *path, uint32_t pid, uint32_t gen, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) return ctf_open(path, pid, gen, err, errlen);
    struct vsource *s = htrace_open(path, err, errlen);
    if (s && pid && s->meta.pid != pid) {
        snprintf(err, errlen, "this dump is of process %u, not %u", s->meta.pid, pid);
        vsource_close(s);
        return NULL;
    }
    return s;
}

void vsource_close(struct vsource *s)
{
    if (!s) return;
    if (s->close) s->close(s);
    vmeta_free(&s->meta);
    free(s);
}

void vmeta_free(struct vmeta *m)
{
    free(m->rings);
    free(m->slabs);
    free(m->stacks);
    free(m->stack_pcs);
    free(m->maps);
    names_free(&m->names);
    m->rings = NULL;
    m->slabs = NULL;
    m->stacks = NULL;
    m->stack_pcs = NULL;
    m->maps = NULL;
}

void vmeta_set_class(struct vmeta *m, uint32_t cls, const struct htrace_class *c)
{
    if (cls >= VMAX_CLASSES) return;
    struct vclass *v = &m->cls[cls];
    /* A stride of 0 or one smaller than the link would make every boundary check
     * meaningless (and divide by zero): such a class stays unknown. */
    if (c->stride < 8 || c->stride > (1u << 30) || c->next_off > c->stride - 8 || c->user_off >= c->stride) {
        v->known = 0;
        return;
    }
    v->size = c->size;
    v->stride = c->stride;
    v->user_off = c->user_off;
    v->next_off = c->next_off;
    v->kind = c->kind;
    v->slab_shift = c->slab_shift;
    v->known = 1;
    if (cls + 1 > m->nclasses) m->nclasses = cls + 1;
}

const struct vstack *vmeta_stack(const struct vmeta *m, uint32_t id)
{
    if (!id) return NULL;
    for (uint32_t i = 0; i < m->nstacks; i++)
        if (m->stacks[i].id == id) return &m->stacks[i];
    return NULL;
}

const char *reason_name(uint32_t reason)
{
    switch (reason) {
    case HTRACE_REASON_EXPLICIT: return "explicit";
    case HTRACE_REASON_VIOLATION: return "violation";
    case HTRACE_REASON_SIGNAL: return "signal";
    case HTRACE_REASON_EXIT: return "exit";
    default: return "unknown";
    }
}
