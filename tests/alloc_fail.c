/*
 * alloc_fail: makes realloc() fail on demand, for the tests of the paths
 * that handle out of memory.
 *
 * The test runner is linked with -Wl,--wrap=realloc, so every realloc()
 * call in its objects (the code under test included) comes to
 * __wrap_realloc, which passes it on to the C library's (__real_realloc)
 * unless the calling thread asked for failures. The count is per thread:
 * the workers and the checker thread of a test never see it.
 */
#include <errno.h>
#include <stddef.h>

#include "testlib.h"

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static _Thread_local int failures_left;

void alloc_fail_next_reallocs(int count)
{
    failures_left = count;
}

void *__wrap_realloc(void *ptr, size_t size)
{
    if (failures_left > 0) {
        failures_left--;
        errno = ENOMEM;
        return NULL;
    }
    return __real_realloc(ptr, size);
}
