/*
 * test_main: the CUnit runner for every suite in tests/.
 *
 *   build/test_runner            run all suites
 *   build/test_runner balancer   run the named suites only
 *
 * Exit status: 0 when every test passed, 1 when any failed, 2 when CUnit
 * itself could not run.
 */
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#define MAX_SUITES 64

struct registered_suite {
    const char *name;
    CU_TestInfo *cases;
};

/* Filled by constructors before main(), read-only afterwards. */
static struct registered_suite suites[MAX_SUITES];
static int suite_count;

void testlib_add_suite(const char *name, CU_TestInfo *cases)
{
    if (suite_count == MAX_SUITES) {
        fprintf(stderr, "test_main: more than %d suites\n", MAX_SUITES);
        return;
    }
    suites[suite_count].name = name;
    suites[suite_count].cases = cases;
    suite_count++;
}

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned failures;

    /* Tests write to closed sockets on purpose. */
    signal(SIGPIPE, SIG_IGN);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (int i = 0; i < suite_count; i++) {
        CU_SuiteInfo info[2] = {
            { suites[i].name, NULL, NULL, NULL, NULL, suites[i].cases },
            CU_SUITE_INFO_NULL,
        };

        if (wanted(suites[i].name, argc, argv) &&
            CU_register_suites(info) != CUE_SUCCESS) {
            fprintf(stderr, "cannot register suite %s: %s\n",
                    suites[i].name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    /* Read the result before cleanup, which resets it. */
    failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failures > 0 ? 1 : 0;
}
