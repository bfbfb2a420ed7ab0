/* Hostile fixture: allocates until memory runs out. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    for (;;) {
        volatile char *p = (volatile char *)malloc(1 << 20);
        if (!p) __builtin_trap(); /* a libc that reports failure instead */
        p[0] = 1;
    }
}
