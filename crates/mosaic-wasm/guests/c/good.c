/* A well-behaved guest: answers a fixed repository. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    return mosaic_return_str(
        "{\"ok\":{\"id\":\"7\",\"owner\":\"acme\",\"name\":\"c\",\"full_name\":\"acme/c\","
        "\"description\":null,\"visibility\":\"public\",\"default_branch\":\"main\","
        "\"clone_url\":null,\"ssh_url\":null,\"web_url\":null,\"fork\":false,\"archived\":false,"
        "\"created_at\":null,\"updated_at\":null}}");
}
