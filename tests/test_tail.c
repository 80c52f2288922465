/*
 * test_tail: following a log file (harness_src/tail.c).
 *
 *   grows      lines appended between polls are delivered once, a partial
 *              line only when its newline comes
 *   from       tail_init_at the size before a restart skips the earlier
 *              process' lines: its ready line is not taken for the new one
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tail.h"
#include "testlib.h"

struct seen {
    int count;
    char last[128];
};

static void on_line(char *line, void *arg)
{
    struct seen *seen = arg;

    seen->count++;
    snprintf(seen->last, sizeof(seen->last), "%s", line);
}

static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void temp_path(char *path, size_t size)
{
    snprintf(path, size, "/tmp/test_tail.%ld.log", (long)getpid());
    unlink(path);
}

static void test_grows(void)
{
    char path[64];
    struct tail tail;
    struct seen seen = { 0, "" };

    temp_path(path, sizeof(path));
    tail_init(&tail, path);
    CU_ASSERT_EQUAL(tail_poll(&tail, on_line, &seen), 0);   /* no file yet */
    append(path, "ev=listen port=1\nev=acc");
    CU_ASSERT_EQUAL(tail_poll(&tail, on_line, &seen), 1);
    CU_ASSERT_STRING_EQUAL(seen.last, "ev=listen port=1");
    append(path, "ept\n");
    CU_ASSERT_EQUAL(tail_poll(&tail, on_line, &seen), 1);
    CU_ASSERT_STRING_EQUAL(seen.last, "ev=accept");
    CU_ASSERT_EQUAL(seen.count, 2);
    tail_close(&tail);
    unlink(path);
}

static void test_from_the_size_before_a_restart(void)
{
    char path[64];
    struct tail tail;
    struct seen seen = { 0, "" };
    long long from;

    temp_path(path, sizeof(path));
    CU_ASSERT_EQUAL(tail_size(path), 0);
    append(path, "ev=listen port=1\nev=stop\n");
    from = tail_size(path);
    CU_ASSERT_EQUAL(from, 25);
    tail_init_at(&tail, path, from);
    CU_ASSERT_EQUAL(tail_poll(&tail, on_line, &seen), 0);
    append(path, "ev=listen port=2\n");
    CU_ASSERT_EQUAL(tail_poll(&tail, on_line, &seen), 1);
    CU_ASSERT_STRING_EQUAL(seen.last, "ev=listen port=2");
    tail_close(&tail);
    unlink(path);
}

static CU_TestInfo tail_tests[] = {
    { "lines as they are appended", test_grows },
    { "from the size before a restart", test_from_the_size_before_a_restart },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(tail, tail_tests)
