/* Hostile fixture: requests the URL in its `target` configuration value
 * (a host it was never granted, or a granted one that redirects to one)
 * and answers the host's envelope as it came back. */
#include "common.h"
MOSAIC_EXPORT(op_git_repository_get) int64_t op(char *in, int32_t len) {
    (void)in; (void)len;
    static const char key[] = "target";
    int64_t target = mosaic_config_get(key, sizeof key - 1);
    if (!target) return mosaic_return_str("{\"err\":{\"kind\":\"config\",\"message\":\"no target\",\"retryable\":false}}");
    /* target is a JSON string: "http://..." with its quotes */
    static const char pre[] = "{\"method\":\"GET\",\"url\":";
    size_t n = sizeof pre - 1 + mosaic_len(target) + 1;
    char *req = (char *)malloc(n);
    memcpy(req, pre, sizeof pre - 1);
    memcpy(req + sizeof pre - 1, mosaic_ptr(target), mosaic_len(target));
    req[n - 1] = '}';
    int64_t resp = mosaic_http_request(req, (int32_t)n);
    free(req);
    free(mosaic_ptr(target));
    /* the response envelope is ours to hand back */
    return resp;
}
