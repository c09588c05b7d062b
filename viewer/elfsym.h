/* A small ELF symbol reader, enough for addr2line-style function+offset: the PT_LOAD
 * segments (file offset -> link-time address) and the function symbols of .symtab, or of
 * .dynsym when the file is stripped. Every offset and size in the file is checked; the
 * file is read with pread, never mapped, so a file that changes under us cannot fault. */
#ifndef VIEWER_ELFSYM_H
#define VIEWER_ELFSYM_H

#include <stdint.h>

struct elfsym;

struct elfsym *elfsym_open(const char *path);
void elfsym_close(struct elfsym *e);
/* Link-time address of a file offset; 0 when no loaded segment holds it. */
int elfsym_vaddr(const struct elfsym *e, uint64_t file_off, uint64_t *vaddr);
/* The function containing vaddr: its name and vaddr's offset in it; NULL if none. */
const char *elfsym_lookup(const struct elfsym *e, uint64_t vaddr, uint64_t *offset);

#endif
