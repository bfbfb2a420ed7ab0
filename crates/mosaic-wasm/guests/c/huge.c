/* Hostile fixture: answers 64 MiB. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    uint32_t n = 64u << 20;
    char *out = (char *)malloc(n);
    if (!out) return mosaic_pack(0, n); /* claim it anyway */
    memset(out, ' ', n);
    return mosaic_pack(out, n);
}
