/*
 * test_stats: the stats port's request classification and answers, and
 * the Prometheus exposition, on a real balancer with two backends.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "balancer.h"
#include "count_of.h"
#include "stats.h"
#include "testlib.h"

/* One classification: bytes, complete, expected answer, HEAD. */
struct request_case {
    const char *bytes;
    bool complete;
    enum stats_request want;
    bool head;
};

static void test_parse_request(void)
{
    static const struct request_case cases[] = {
        { "", false, STATS_REQ_MORE, false },
        { "", true, STATS_REQ_PLAIN, false },
        { "\n", false, STATS_REQ_PLAIN, false },
        { "hello\n", false, STATS_REQ_PLAIN, false },
        { "GE", false, STATS_REQ_MORE, false },
        { "GE", true, STATS_REQ_PLAIN, false },
        { "GET / HTTP/1.1\r\nHost: x\r\n", false, STATS_REQ_MORE, false },
        { "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, STATS_REQ_TABLE, false },
        { "GET / HTTP/1.0\n\n", false, STATS_REQ_TABLE, false },
        { "GET /?x=1 HTTP/1.0\r\n\r\n", false, STATS_REQ_TABLE, false },
        { "GET /metrics HTTP/1.0\r\n\r\n", false, STATS_REQ_METRICS, false },
        { "HEAD /metrics HTTP/1.0\r\n\r\n", false, STATS_REQ_METRICS, true },
        { "GET /metricsx HTTP/1.0\r\n\r\n", false, STATS_REQ_NOT_FOUND, false },
        { "POST / HTTP/1.0\r\n\r\n", false, STATS_REQ_BAD_METHOD, false },
        { "GET /metrics\r\n", true, STATS_REQ_METRICS, false },
        { "GET /metr", true, STATS_REQ_PLAIN, false },
        { "ABCDEFGHIJKLMNOPQRSTUVWXYZ", false, STATS_REQ_PLAIN, false },
    };

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        bool head = !cases[i].head;
        enum stats_request got = stats_parse_request(
            cases[i].bytes, strlen(cases[i].bytes), cases[i].complete, &head);

        CU_ASSERT_EQUAL(got, cases[i].want);
        if (got != cases[i].want)
            fprintf(stderr, "case %zu '%s': got %d\n", i, cases[i].bytes, got);
        if (got != STATS_REQ_MORE && got != STATS_REQ_PLAIN)
            CU_ASSERT_EQUAL(head, cases[i].head);
    }
}

static struct balancer *two_backends(void)
{
    struct balancer_backend_spec specs[2] = {
        { .name = "b1", .weight = 1 }, { .name = "b2", .weight = 1 } };

    return balancer_create(specs, 2, BALANCER_LEASTCONN, false, 1);
}

static const struct stats_totals totals = { .accepted = 7, .live = 2,
                                            .accept_pauses = 1 };

/* An HTTP answer's Content-Length is its body's length; HEAD has none. */
static void test_respond_http(void)
{
    struct balancer *b = two_backends();
    char *buf = malloc(STATS_RESPONSE_MAX);
    size_t len, head_len;
    const char *body;

    CU_ASSERT_FATAL(b != NULL && buf != NULL);
    len = stats_respond(b, &totals, STATS_REQ_TABLE, false, buf);
    buf[len] = '\0';
    CU_ASSERT_EQUAL(strncmp(buf, "HTTP/1.0 200 OK\r\n", 17), 0);
    body = strstr(buf, "\r\n\r\n");
    CU_ASSERT_FATAL(body != NULL);
    body += 4;
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Content-Type: text/plain"));
    {
        char want[64];

        snprintf(want, sizeof(want), "Content-Length: %zu\r\n",
                 len - (size_t)(body - buf));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "total accepted=7 live=2 "
                                  "accept_pauses=1 log_dropped=0\n"));
    head_len = stats_respond(b, &totals, STATS_REQ_TABLE, true, buf);
    CU_ASSERT_EQUAL(head_len, (size_t)(body - buf));
    len = stats_respond(b, &totals, STATS_REQ_PLAIN, false, buf);
    buf[len] = '\0';
    CU_ASSERT_EQUAL(strncmp(buf, "name=b1 ", 8), 0);
    len = stats_respond(b, &totals, STATS_REQ_NOT_FOUND, false, buf);
    buf[len] = '\0';
    CU_ASSERT_EQUAL(strncmp(buf, "HTTP/1.0 404 Not Found\r\n", 24), 0);
    free(buf);
    balancer_destroy(b);
}

/* Every sample follows the # TYPE of its metric. */
static void test_metrics_exposition(void)
{
    struct balancer *b = two_backends();
    char *buf = malloc(STATS_RESPONSE_MAX), *line, *save = NULL;
    char typed[16][64];
    size_t ntyped = 0, samples = 0;

    CU_ASSERT_FATAL(b != NULL && buf != NULL);
    stats_format_metrics(b, &totals, buf, STATS_RESPONSE_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "proxylab_backend_active{backend=\"b2\"} 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "proxylab_sessions_accepted_total 7\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "proxylab_log_dropped_total 0\n"));
    for (line = strtok_r(buf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        size_t name_len = strcspn(line, "{ ");
        bool known = false;

        if (strncmp(line, "# TYPE ", 7) == 0 && ntyped < 16) {
            snprintf(typed[ntyped++], sizeof(typed[0]), "%.*s",
                     (int)strcspn(line + 7, " "), line + 7);
            continue;
        }
        if (strncmp(line, "# HELP ", 7) == 0)
            continue;
        for (size_t i = 0; i < ntyped; i++)
            known |= strlen(typed[i]) == name_len &&
                     strncmp(typed[i], line, name_len) == 0;
        CU_ASSERT_TRUE(known);
        samples++;
    }
    CU_ASSERT_EQUAL(ntyped, 8);
    CU_ASSERT_EQUAL(samples, 4 * 2 + 4);
    free(buf);
    balancer_destroy(b);
}

/* A backend removed at run time leaves the table and the metrics; one
 * added shows up. */
static void test_removed_backend_not_listed(void)
{
    struct balancer *b = two_backends();
    struct balancer_backend_spec b3 = { .name = "b3", .weight = 1,
                                        .slowstart_ms = -1 };
    struct balancer_events events;
    char *buf = malloc(STATS_RESPONSE_MAX);

    CU_ASSERT_FATAL(b != NULL && buf != NULL);
    CU_ASSERT_EQUAL_FATAL(balancer_set_admin(b, 1, BALANCER_DISABLED,
                                             &events), 0);
    CU_ASSERT_EQUAL_FATAL(balancer_remove(b, 1, &events), 0);
    CU_ASSERT_EQUAL_FATAL(balancer_add(b, &b3, &events), 2);
    stats_format(b, &totals, buf, STATS_RESPONSE_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=b1 "));
    CU_ASSERT_PTR_NULL(strstr(buf, "name=b2 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "name=b3 "));
    stats_format_metrics(b, &totals, buf, STATS_RESPONSE_MAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "{backend=\"b1\"}"));
    CU_ASSERT_PTR_NULL(strstr(buf, "{backend=\"b2\"}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "{backend=\"b3\"}"));
    free(buf);
    balancer_destroy(b);
}

static CU_TestInfo stats_tests[] = {
    { "requests: plain, HTTP, incomplete", test_parse_request },
    { "HTTP answers and their lengths", test_respond_http },
    { "metrics: every sample is typed", test_metrics_exposition },
    { "a removed backend is not listed", test_removed_backend_not_listed },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(stats, stats_tests)
