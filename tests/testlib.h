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

/* Every byte a terminal may take as a command, for strcspn(): an error
 * message that quotes user input must hold none of them. */
#define TESTLIB_CONTROL_BYTES                                            \
    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"       \
    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

/*
 * The next count realloc() calls made by the calling thread fail with
 * ENOMEM (0: none). See alloc_fail.c.
 */
void alloc_fail_next_reallocs(int count);

#endif
