/*
 * mosaic_guest.h: write a Mosaic provider plugin in C (ABI v1).
 *
 * A guest is a WebAssembly module that exports
 *
 *   int32_t mosaic_abi_version(void)          -> MOSAIC_ABI_VERSION
 *   void   *mosaic_alloc(int32_t len)          a buffer the host may fill
 *   void    mosaic_free(void *ptr, int32_t len) release a buffer from mosaic_alloc
 *   int64_t mosaic_describe(void)              packed JSON: {"abi":1,"operations":[...],
 *                                              "hosts":[...],"config":[...]}
 *   int64_t op_<operation>(char *in, int32_t len)   one per operation, dots as
 *                                              underscores (op_git_repository_get)
 *
 * and the exported memory. Inputs are the operation's parameters as JSON;
 * outputs are {"ok": <result>} or {"err": {"kind": "...", "message": "...",
 * "retryable": false}}, returned as a packed (pointer << 32 | length) to a
 * buffer from mosaic_alloc, which the host frees. The host frees the input
 * buffer too. Buffers the host functions return belong to the guest.
 *
 * Build with Debian's clang, lld and wasi-libc:
 *
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
 *         -Wl,--stack-first -Wl,-z,stack-size=65536 -I include guest.c -o guest.wasm
 *
 * --stack-first puts the stack below the data, so an overflow traps
 * instead of corrupting memory. The sandbox grants no WASI: use nothing
 * from stdio (printf and friends import WASI functions); memory, string
 * and malloc functions are fine.
 *
 * Define MOSAIC_GUEST_IMPLEMENTATION in exactly one file before including
 * this header to get mosaic_abi_version, mosaic_alloc and mosaic_free
 * backed by malloc.
 */
#ifndef MOSAIC_GUEST_H
#define MOSAIC_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define MOSAIC_ABI_VERSION 1

#define MOSAIC_IMPORT(name) __attribute__((import_module("mosaic"), import_name(#name)))
#define MOSAIC_EXPORT(name) __attribute__((export_name(#name)))

/* Log levels for mosaic_log. */
#define MOSAIC_LOG_ERROR 0
#define MOSAIC_LOG_WARN 1
#define MOSAIC_LOG_INFO 2
#define MOSAIC_LOG_DEBUG 3

/* Send an HTTP request: JSON {"method","url","headers":{...},"body"} in,
 * an envelope out: {"ok":{"status","headers","body"}} or {"err":{...}} when
 * the host refused it (host not granted, redirect refused, too large,
 * timed out). The host adds the plugin's credential. */
MOSAIC_IMPORT(http_request) int64_t mosaic_http_request(const char *req, int32_t len);
/* Log a message at a level. */
MOSAIC_IMPORT(log) void mosaic_log(int32_t level, const char *msg, int32_t len);
/* A non-secret configuration value as JSON, or 0 when absent. */
MOSAIC_IMPORT(config_get) int64_t mosaic_config_get(const char *key, int32_t len);
/* Milliseconds since the Unix epoch. */
MOSAIC_IMPORT(now_ms) int64_t mosaic_now_ms(void);

/* Pack a buffer's location into an int64_t. */
static inline int64_t mosaic_pack(const void *ptr, uint32_t len) {
    return (int64_t)(((uint64_t)(uint32_t)(uintptr_t)ptr << 32) | (uint64_t)len);
}
/* The pointer half of a packed location. */
static inline char *mosaic_ptr(int64_t packed) {
    return (char *)(uintptr_t)(uint32_t)((uint64_t)packed >> 32);
}
/* The length half of a packed location. */
static inline uint32_t mosaic_len(int64_t packed) { return (uint32_t)packed; }

#ifdef MOSAIC_GUEST_IMPLEMENTATION
#include <stdlib.h>
#include <string.h>

MOSAIC_EXPORT(mosaic_abi_version) int32_t mosaic_abi_version(void) { return MOSAIC_ABI_VERSION; }
MOSAIC_EXPORT(mosaic_alloc) void *mosaic_alloc(int32_t len) { return malloc(len > 0 ? (size_t)len : 1); }
MOSAIC_EXPORT(mosaic_free) void mosaic_free(void *ptr, int32_t len) { (void)len; free(ptr); }

/* Copy `len` bytes into a fresh buffer and return its packed location. */
static inline int64_t mosaic_return(const char *bytes, size_t len) {
    char *out = (char *)malloc(len ? len : 1);
    if (!out) __builtin_trap();
    memcpy(out, bytes, len);
    return mosaic_pack(out, (uint32_t)len);
}
/* Return a NUL-terminated string. */
static inline int64_t mosaic_return_str(const char *s) { return mosaic_return(s, strlen(s)); }
#endif

#endif /* MOSAIC_GUEST_H */
