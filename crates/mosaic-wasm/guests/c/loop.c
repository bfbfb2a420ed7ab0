/* Hostile fixture: an infinite loop. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    volatile int spin = 1;
    while (spin) { }
    return 0;
}
