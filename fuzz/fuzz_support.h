/*
 * fuzz_support: what the libFuzzer targets in fuzz/ share.
 *
 * Every target is linked with -Wl,--wrap=getaddrinfo -Wl,--wrap=fopen, so
 * the code under test goes through the two wrappers in fuzz_support.c
 * instead: a fuzzed host name must not become a DNS query, and a fuzzed
 * "-c /dev/tty" must not block the fuzzer (see fuzz_support.c).
 *
 * No state of its own except the /dev/null stream, opened on first use and
 * kept for the life of the process. libFuzzer calls the targets from one
 * thread.
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Stops the fuzzer with a crash that names the broken promise. */
#define FUZZ_SUPPORT_REQUIRE(condition)                                   \
    do {                                                                  \
        if (!(condition))                                                 \
            fuzz_support_fail(__FILE__, __LINE__, #condition);            \
    } while (0)

/* libFuzzer's entry point, defined by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "file:line: promise broken: what" and aborts. */
_Noreturn void fuzz_support_fail(const char *file, int line,
                                 const char *what);

/*
 * The input as a C string: a new buffer of size + 1 bytes holding
 * data[0..size) and a NUL (the input may hold NULs of its own). The caller
 * frees it. Aborts when memory runs out.
 */
char *fuzz_support_text(const uint8_t *data, size_t size);

/* A stream on /dev/null for output nobody reads, or NULL if it cannot be
 * opened. Owned by this module: never close it. */
FILE *fuzz_support_devnull(void);

#endif
