/* Whether malloc and free of the preloaded library start with a jump (src/api/entry.h),
 * and where to: prints "malloc=jmp free=jmp" or "malloc=inline free=inline" (each
 * separately), after some allocations whose contents are checked. A jump must land in
 * the same library. With --traced, runs itself again under ptrace (a tracer attached
 * before the allocator starts, as a debugger would be) and prints what that run prints. */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static const char *entry_of(const char *name, void *fn)
{
    const uint8_t *c = fn;
    if (c[0] != 0xe9) return "inline";
    int32_t rel;
    memcpy(&rel, c + 1, 4);
    const void *to = c + 5 + rel;
    Dl_info here, there;
    if (!dladdr(fn, &here) || !dladdr(to, &there) || here.dli_fbase != there.dli_fbase) {
        printf("%s jumps out of its library\n", name);
        failures++;
    }
    return "jmp";
}

/* Blocks of many sizes, written, reallocated and checked. */
static void work(void)
{
    enum { N = 4096 };
    static unsigned char *p[N];
    static size_t len[N];
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < N; i++) {
            len[i] = (i * 37 + (size_t)round * 11) % 1500 + 1;
            p[i] = round & 1 ? calloc(1, len[i]) : malloc(len[i]);
            if (!p[i]) { printf("allocation failed\n"); failures++; return; }
            memset(p[i], (int)(i & 0xff), len[i]);
        }
        for (size_t i = 0; i < N; i += 2) {
            p[i] = realloc(p[i], len[i] * 2);
            memset(p[i] + len[i], (int)(i & 0xff), len[i]);
            len[i] *= 2;
        }
        for (size_t i = 0; i < N; i++) {
            for (size_t k = 0; k < len[i]; k++)
                if (p[i][k] != (unsigned char)(i & 0xff)) { printf("block %zu byte %zu changed\n", i, k); failures++; break; }
            free(p[i]);
        }
    }
}

static int traced(const char *self)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0)) {
            printf("ptrace unavailable\n"); /* e.g. kernel.yama.ptrace_scope=3 */
            fflush(stdout);
            _exit(0);
        }
        execl(self, self, (char *)0);
        _exit(4);
    }
    int st;
    /* the child stops at its exec, then at whatever signal it gets: pass them on */
    while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) {
        int sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
        ptrace(PTRACE_CONT, pid, 0, (void *)(intptr_t)sig);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--traced")) return traced("/proc/self/exe");
    work();
    void *m = dlsym(RTLD_DEFAULT, "malloc"), *f = dlsym(RTLD_DEFAULT, "free");
    printf("malloc=%s free=%s\n", entry_of("malloc", m), entry_of("free", f));
    return failures != 0;
}
