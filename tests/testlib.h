/*
 * testlib: lets each tests/test_<module>.c register its own CUnit suite.
 *
 * A test file lists its cases in a NULL-terminated CU_TestInfo array and
 * names it with TEST_SUITE(name, cases); a constructor hands the suite to
 * test_main.c before main() runs, so adding a test file needs no edit
 * anywhere else. test_main.c runs every suite (or the ones named on its
 * command line) and exits non-zero when any assertion failed.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <CUnit/CUnit.h>

/* Called by TEST_SUITE; not for direct use. */
void testlib_add_suite(const char *name, CU_TestInfo *cases);

#define TEST_SUITE(name, cases)                                          \
    __attribute__((constructor)) static void testlib_register_##name(void) \
    {                                                                    \
        testlib_add_suite(#name, cases);                                 \
    }

/*
 * The next count realloc() calls made by the calling thread fail with
 * ENOMEM (0: none). See alloc_fail.c.
 */
void alloc_fail_next_reallocs(int count);

#endif
