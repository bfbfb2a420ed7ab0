/* Hostile fixture: aborts (a trap), as a Rust panic with panic=abort does. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    abort();
}
