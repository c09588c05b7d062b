/* The side of LTTng that lives in libhakmem (trace/lttng_loader.c). It never links
 * lttng-ust: libhakmem-lttng.so is dlopen()ed only when HAKMEM_LTTNG=1. */
#ifndef HAK_LTTNG_LOADER_H
#define HAK_LTTNG_LOADER_H

/* Loads libhakmem-lttng.so from the directory of the libhakmem*.so this code is in (else
 * through the dynamic linker's search), sets hak_lttng_emit (trace/trace.h) and emits
 * hakmem:geometry and one hakmem:layout per class. Call once, from the constructor, after
 * start-up (the layout table must be filled) and never from inside malloc: dlopen and
 * lttng-ust's start-up allocate. On failure prints one line and returns -1; the process
 * then runs without LTTng. */
int hak_lttng_load(void);

/* Optional: lets lttng-ust allocate the calling thread's state now rather than inside the
 * thread's first event. Call where a nested malloc is safe (no lock held, no list half
 * updated), e.g. when a thread's heap is set up. A no-op when LTTng is not loaded. */
void hak_lttng_thread_start(void);

#endif
