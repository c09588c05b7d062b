/* Offline symbolization of a dump's stacks: the memory map the dump carries says which
 * file each return address came from; the file's symbols (elfsym.h) give the function. */
#ifndef VIEWER_SYMBOLIZE_H
#define VIEWER_SYMBOLIZE_H

#include <stdint.h>

#include "json.h"
#include "source.h"

struct symbolizer;

struct frame {
    uint64_t pc;
    const char *module; /* path of the mapping, NULL if the map has none for pc */
    const char *func;   /* NULL if no symbol */
    uint64_t offset;    /* pc - function, or pc's offset in the module when func is NULL */
};

struct symbolizer *symbolizer_new(const struct vmeta *m);
void symbolizer_free(struct symbolizer *z);
/* frame index i: return addresses (i > 0) are looked up at pc - 1, inside the call. */
void symbolize(struct symbolizer *z, uint64_t pc, unsigned i, struct frame *out);

/* Prints a stack of the dump's depot ("  #0 0x... func+0x12 (module)"), or JSON frames. */
void stack_text(struct symbolizer *z, const struct vstack *st, FILE *f);
void stack_json(struct symbolizer *z, const struct vstack *st, struct json *j);

#endif
