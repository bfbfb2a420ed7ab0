/* Hostile fixture: answers something that is not JSON. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    return mosaic_return_str("{\"ok\": {\"id\": ");
}
