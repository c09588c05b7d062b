/* libFuzzer target: the .htrace reader, the k-way merge and the replay with its report,
 * on arbitrary bytes (make fuzz-viewer). The input becomes an in-memory file, so the
 * reader runs exactly as on disk. Symbolization is limited to parsing the map: the
 * files a map names are the machine's, not the input's. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "viewer/history.h"
#include "viewer/replay.h"
#include "viewer/report.h"
#include "viewer/source.h"
#include "viewer/symbolize.h"

static int memfile(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.htrace", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    if (!null) null = fopen("/dev/null", "w");
    int fd = memfile(data, size);
    if (fd < 0) return 0;
    int fd2 = dup(fd);
    char err[256];
    struct vsource *s = htrace_open_fd(fd, "fuzz", err, sizeof err);
    if (!s) {
        if (fd2 >= 0) close(fd2);
        return 0;
    }
    struct replay *r = replay_new(&s->meta);
    struct hak_event ev;
    uint64_t n = 0;
    while (r && vsource_next(s, &ev) > 0 && n++ < 2000000) {
        replay_event(r, &ev);
        (void)event_touches(&ev, ev.ptr, ev.ptr + 64);
    }
    if (r) {
        replay_end(r);
        const struct finding *f = replay_finding(r);
        if (f->found && fd2 >= 0) {
            struct vsource *s2 = htrace_open_fd(fd2, "fuzz", err, sizeof err);
            fd2 = -1;
            struct report rep = {.f = f, .st = replay_stats(r)};
            if (s2 && report_collect(s2, &rep, 16) == 0) {
                struct symbolizer *z = symbolizer_new(&s->meta);
                report_text(null, &s->meta, &rep, NULL);
                symbolizer_free(z);
            }
            report_free(&rep);
            vsource_close(s2);
        }
        replay_free(r);
    }
    if (fd2 >= 0) close(fd2);
    vsource_close(s);
    return 0;
}
