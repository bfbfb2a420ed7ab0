/* Hostile fixture: built for another ABI version. */
#define MOSAIC_ABI_VERSION_OVERRIDE 2
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define MOSAIC_EXPORT(name) __attribute__((export_name(#name)))
MOSAIC_EXPORT(mosaic_abi_version) int32_t abi(void) { return 2; }
MOSAIC_EXPORT(mosaic_alloc) void *alloc_(int32_t n) { return malloc(n > 0 ? (size_t)n : 1); }
MOSAIC_EXPORT(mosaic_free) void free_(void *p, int32_t n) { (void)n; free(p); }
MOSAIC_EXPORT(mosaic_describe) int64_t describe(void) {
    static const char d[] = "{\"abi\":2,\"operations\":[]}";
    char *out = malloc(sizeof d - 1);
    memcpy(out, d, sizeof d - 1);
    return (int64_t)(((uint64_t)(uintptr_t)out << 32) | (sizeof d - 1));
}
