/* Shared by the hostile fixtures: a describe naming git.repository.get. */
#define MOSAIC_GUEST_IMPLEMENTATION
#include "mosaic_guest.h"

#ifndef FIXTURE_ABI
#define FIXTURE_ABI 1
#endif

MOSAIC_EXPORT(mosaic_describe) int64_t mosaic_describe(void) {
    return mosaic_return_str("{\"abi\":1,\"operations\":[\"git.repository.get\"],"
                             "\"hosts\":[],\"config\":[\"target\"]}");
}
