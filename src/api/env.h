/* The environment, read once at start-up with secure_getenv (a set-user-ID process
 * ignores it). A bad value is reported in one line and the default used. */
#ifndef HAK_ENV_H
#define HAK_ENV_H

#include "config.h"

struct hak_env {
    int level; /* HAKMEM_INTEGRITY_LEVEL, capped by a fixed-level build */
    bool stats; /* HAKMEM_STATS: print statistics at exit */
};
extern struct hak_env hak_env;

void hak_env_read(void);

#endif
