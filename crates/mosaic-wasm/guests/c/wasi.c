/* Hostile fixture: prints with stdio, so the module imports WASI. */
#include <stdio.h>
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)len;
    printf("%s\n", in);
    fflush(stdout);
    return mosaic_return_str("{\"ok\":null}");
}
