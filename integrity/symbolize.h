/* Symbolization of code addresses without help: the mapping from /proc/self/maps (or a
 * snapshot of it, as a trace dump stores), then the function from the ELF file's .symtab
 * (or its build-id debug file under /usr/lib/debug, or .dynsym).
 *
 * Async-signal-safe and allocation-free: it runs in the fatal-signal handler and inside
 * malloc, so it uses only open, read, fstat, mmap, munmap and close, and stack buffers.
 * It has no other dependency on hakmem, so the viewer compiles it as it is to symbolize
 * a dump offline (the files named in the snapshot must still be there). C++ names are
 * not demangled (that allocates).
 *
 * Addresses are looked up as given. A return address points after its call, which may be
 * the first byte of the next function: pass pc - 1 for every frame but the innermost of
 * a signal context (hak_symbolize_frame does that). */
#ifndef HAK_SYMBOLIZE_H
#define HAK_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of a maps file. */
struct hak_mapping {
    uintptr_t start, end;
    uint64_t offset;    /* file offset of start */
    uint64_t inode;
    char perms[5];      /* "r-xp" */
    char path[4096];    /* "" for anonymous memory; "[vdso]", "[stack]" ... */
};

/* An address, resolved. Strings are "" when unknown. */
struct hak_sym {
    uintptr_t pc;
    bool mapped;        /* a mapping holds pc */
    bool found;         /* a symbol covers pc */
    uint64_t elf_addr;  /* pc as an address of its ELF file (what addr2line -e FILE takes) */
    uint64_t func_off;  /* pc - the symbol's start */
    char module[512];   /* the mapping's path, cut if longer */
    char function[256]; /* the symbol's name, cut if longer */
};

/* Mapped ELF files, kept between lookups; owned by one thread at a time (the caller
 * serializes). Zero-initialize it; hak_symcache_drop unmaps everything. */
#define HAK_SYMCACHE_FILES 16
struct hak_symcache {
    struct hak_symfile {
        uint64_t key;          /* hash of the path and inode; 0 free */
        const unsigned char *image, *debug; /* the file; its debug file or NULL */
        size_t image_size, debug_size;
    } files[HAK_SYMCACHE_FILES];
    unsigned next; /* the entry replaced next */
};
void hak_symcache_drop(struct hak_symcache *c);

/* The mapping of maps (the text of a /proc/PID/maps, len bytes) that holds pc. */
bool hak_maps_find(const char *maps, size_t len, uintptr_t pc, struct hak_mapping *m);
/* The same in the live process (/proc/self/maps, read in pieces). */
bool hak_maps_find_self(uintptr_t pc, struct hak_mapping *m);

/* Symbolizes pc in the mapping m. cache may be NULL (every file is mapped and unmapped
 * for the one lookup). live: the mapping belongs to this process, so [vdso] can be read
 * from memory. Returns out->found. */
bool hak_symbolize_in(struct hak_symcache *cache, const struct hak_mapping *m, uintptr_t pc, bool live,
                      struct hak_sym *out);
/* With a maps snapshot (the viewer) or the live process. */
bool hak_symbolize_maps(struct hak_symcache *cache, const char *maps, size_t len, uintptr_t pc,
                        struct hak_sym *out);
bool hak_symbolize_self(struct hak_symcache *cache, uintptr_t pc, struct hak_sym *out);

/* A frame of a backtrace: looks up pc - 1 unless exact (the innermost frame of a signal
 * context is the faulting instruction itself), and reports pc. */
bool hak_symbolize_frame(struct hak_symcache *cache, uintptr_t pc, bool exact, struct hak_sym *out);

/* "function+0xOFF (module)", "?? (module+0xADDR)" or "??"; returns the length. */
size_t hak_sym_format(const struct hak_sym *s, char *buf, size_t size);

#endif
