/* Hostile fixture: unbounded recursion with large frames. */
#include "common.h"
static int deep(volatile char *prev, int n) {
    volatile char frame[4096];
    frame[0] = prev ? prev[0] + 1 : 0;
    return deep(frame, n + 1) + frame[n & 4095];
}
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    return deep(0, 0);
}
