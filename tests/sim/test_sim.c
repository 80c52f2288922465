/*
 * test_sim: the simulator's model, logs and limits, on runs small enough
 * to work out by hand.
 *
 *   fifo         fixed service of 1 s, arrivals every 0.4 s: response
 *                times 1, 1.6, 2.2, 2.8 with one at a time, 1, 1, 1.2,
 *                1.2 with two, all 1 with no limit;
 *   ps           processor sharing: two of 1 s at 0 and 0.5 both end
 *                at 1.5 s and 2 s;
 *   faults       a crash fails the connections at the backend, later picks
 *                of it fail at connect and retry elsewhere (once each,
 *                or the backend goes down with passive_down); pause holds
 *                the work, resume finishes it; down and up steer the picks;
 *   closed       a closed loop of 3 clients x 10 connections in sequence;
 *   bursts       two bursts, each with its clients' log and its timeline
 *                lines, the second after a crash it suffers from;
 *   seed         the same config and seed give byte-identical logs (proxy,
 *                backends, clients) and statistics; another seed others;
 *   logs         the exact first lines, a pick with p2c=, and a replay of
 *                every pick's cand counts from the picks and closes before
 *                it, as the harness checks a real proxy;
 *   memory       200,000 connections, never more than a few open: the
 *                peak is what is open at once, not the total;
 *   errors       configs that cannot run say why;
 *   hist         quantiles within 0.8 %, exact maximum.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_hist.h"
#include "testlib.h"

#define CLOSE_TO(a, b) (fabs((a) - (b)) < 1e-6)

/* count backends with fixed service of mean seconds, FIFO at concurrency. */
static void fixed_backends(struct sim_backend *b, size_t count, double mean,
                           int concurrency)
{
    memset(b, 0, count * sizeof(*b));
    for (size_t i = 0; i < count; i++) {
        b[i].service.kind = SIM_SERVICE_FIXED;
        b[i].service.mean = mean;
        b[i].concurrency = concurrency;
    }
}

/* Four connections 0.4 s apart to one backend of 1 s; returns the mean
 * response time and fills max. */
static double four_arrivals(int concurrency, enum sim_discipline discipline,
                            double *max)
{
    struct sim_backend b;
    struct sim_config cfg = {
        .backends = &b, .backend_count = 1,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_INTERVAL, .interval = 0.4, .connections = 4 },
        .burst_count = 1,
    };
    struct sim_stats st;
    char err[256];
    double mean;

    fixed_backends(&b, 1, 1.0, concurrency);
    b.discipline = discipline;
    CU_ASSERT_EQUAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(st.ok, 4);
    CU_ASSERT_EQUAL(st.samples, 4);
    mean = st.mean;
    *max = st.max;
    sim_stats_free(&st);
    return mean;
}

static void test_fifo(void)
{
    double max;

    CU_ASSERT_TRUE(CLOSE_TO(four_arrivals(1, SIM_FIFO, &max), 1.9));
    CU_ASSERT_TRUE(CLOSE_TO(max, 2.8));
    CU_ASSERT_TRUE(CLOSE_TO(four_arrivals(2, SIM_FIFO, &max), 1.1));
    CU_ASSERT_TRUE(CLOSE_TO(max, 1.2));
    CU_ASSERT_TRUE(CLOSE_TO(four_arrivals(0, SIM_FIFO, &max), 1.0));
    CU_ASSERT_TRUE(CLOSE_TO(max, 1.0));
}

static void test_ps(void)
{
    struct sim_backend b;
    struct sim_config cfg = {
        .backends = &b, .backend_count = 1,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_INTERVAL, .interval = 0.5, .connections = 2 },
        .burst_count = 1,
    };
    struct sim_stats st;
    char err[256];
    double max;

    fixed_backends(&b, 1, 1.0, 0);
    b.discipline = SIM_PS;
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    /* 0..0.5 alone, then half speed each: the first ends at 1.5, the
     * second (half done) alone again until 2.0. */
    CU_ASSERT_TRUE(CLOSE_TO(st.mean, 1.5));
    CU_ASSERT_TRUE(CLOSE_TO(st.end, 2.0));
    CU_ASSERT_EQUAL(st.backends[0].peak, 2);
    sim_stats_free(&st);
    /* Four 0.4 s apart, worked out by hand: they end at 34/15, 52/15,
     * 58/15 and 4 s, so 34/15, 46/15, 46/15 and 2.8 after they came. */
    CU_ASSERT_TRUE(CLOSE_TO(four_arrivals(0, SIM_PS, &max), 2.8));
    CU_ASSERT_TRUE(CLOSE_TO(max, 46.0 / 15));
}

/* Two backends of 10 s (leastconn), a connection every 0.1 s; b1 crashes
 * at 0.15. */
static void crash_run(bool passive_down, struct sim_stats *st)
{
    struct sim_backend b[2];
    struct sim_fault crash = { 0.15, SIM_FAULT_CRASH, 0, 0 };
    struct sim_config cfg = {
        .backends = b, .backend_count = 2,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_INTERVAL, .interval = 0.1, .connections = 4 },
        .burst_count = 1,
        .faults = &crash, .fault_count = 1, .passive_down = passive_down,
    };
    char err[256];

    fixed_backends(b, 2, 10.0, 0);
    CU_ASSERT_EQUAL(sim_run(&cfg, st, err, sizeof(err)), 0);
}

static void test_crash(void)
{
    struct sim_stats st;

    /* sid 1 on b1 dies in the crash; sid 3 and 4 each try b1 (0 active)
     * first and retry on b2. */
    crash_run(false, &st);
    CU_ASSERT_EQUAL(st.ok, 3);
    CU_ASSERT_EQUAL(st.failed, 1);
    CU_ASSERT_EQUAL(st.retries, 2);
    CU_ASSERT_EQUAL(st.backends[0].failed, 1);
    CU_ASSERT_EQUAL(st.backends[0].connect_failed, 2);
    CU_ASSERT_EQUAL(st.backends[1].connections, 3);
    sim_stats_free(&st);
    /* With passive_down the first failed connect takes b1 down. */
    crash_run(true, &st);
    CU_ASSERT_EQUAL(st.retries, 1);
    CU_ASSERT_EQUAL(st.backends[0].connect_failed, 1);
    CU_ASSERT_EQUAL(st.backends[1].connections, 3);
    sim_stats_free(&st);
}

static void test_restart_pause_down_up(void)
{
    struct sim_backend b[2];
    struct sim_fault faults[] = {
        { 3.0, SIM_FAULT_RESUME, 1, 0 }, { 0.0, SIM_FAULT_DOWN, 0, 0 },
        { 0.6, SIM_FAULT_PAUSE, 1, 0 }, { 5.0, SIM_FAULT_UP, 0, 0 },
        { 1.0, SIM_FAULT_CRASH, 0, 0 }, { 2.0, SIM_FAULT_RESTART, 0, 0 },
    };
    struct sim_config cfg = {
        .backends = b, .backend_count = 2,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_INTERVAL, .interval = 1.0, .connections = 8,
            .start = 0.3 },
        .burst_count = 1,
        .policy = "roundrobin", .faults = faults, .fault_count = 6,
    };
    struct sim_stats st;
    char err[256];

    fixed_backends(b, 2, 0.5, 0);
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    /* b1 down until 5: arrivals at 0.3..4.3 go to b2; the one at 0.3 is
     * paused from 0.6 (0.3 done) to 3.0, so it ends at 3.2 (2.9 after
     * it came), 1.3 and 2.3 wait until 3.0 and end at 3.5, so three at
     * once at 2.3 and at 3.3; 5.3, 6.3, 7.3 alternate from b1. */
    CU_ASSERT_EQUAL(st.ok, 8);
    CU_ASSERT_EQUAL(st.backends[1].connections, 6);
    CU_ASSERT_EQUAL(st.backends[0].connections, 2);
    CU_ASSERT_TRUE(CLOSE_TO(st.max, 2.9));
    CU_ASSERT_EQUAL(st.backends[1].peak, 3);
    sim_stats_free(&st);
}

static void test_closed_loop(void)
{
    struct sim_backend b[2];
    struct sim_config cfg = {
        .backends = b, .backend_count = 2,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_CLOSED, .clients = 3, .connections = 30,
            .requests = 5 },
        .burst_count = 1,
    };
    struct sim_stats st;
    char err[256];

    fixed_backends(b, 2, 0.02, 0);
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(st.ok, 30);
    CU_ASSERT_EQUAL(st.peak_live, 3);
    /* Ten connections each, one after the other, of 5 x 0.02 s. */
    CU_ASSERT_TRUE(CLOSE_TO(st.end, 1.0));
    CU_ASSERT_TRUE(CLOSE_TO(st.mean, 0.1));
    sim_stats_free(&st);
}

static void test_bursts(void)
{
    struct sim_backend b[2];
    struct sim_arrivals bursts[2] = {
        { .kind = SIM_ARRIVAL_INTERVAL, .interval = 0.1, .connections = 5 },
        { .kind = SIM_ARRIVAL_CLOSED, .clients = 2, .connections = 6,
          .requests = 3, .start = 2.0 },
    };
    struct sim_fault crash = { 1.5, SIM_FAULT_CRASH, 0, 7 };
    char *text[3];
    size_t len[3];
    FILE *files[3];
    struct sim_config cfg = {
        .backends = b, .backend_count = 2, .bursts = bursts,
        .burst_count = 2, .client_logs = files, .timeline_log = NULL,
        .faults = &crash, .fault_count = 1, .passive_down = true,
    };
    struct sim_stats st;
    char err[256];

    fixed_backends(b, 2, 0.05, 0);
    for (int i = 0; i < 3; i++)
        files[i] = open_memstream(&text[i], &len[i]);
    cfg.timeline_log = files[2];
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    for (int i = 0; i < 3; i++)
        fclose(files[i]);
    /* Burst 0 done before the crash; burst 1's first connect to b1
     * fails, takes it down, and every connection goes to b2. */
    CU_ASSERT_EQUAL(st.ok, 11);
    CU_ASSERT_EQUAL(st.retries, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text[0], "ts=0.000000 lvl=info thr=main "
                                  "ev=start target=127.0.0.1:8080 clients=0 "
                                  "requests=1 size=32 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[0], " ev=done connections=5 "
                                  "failed=0 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[1], "ts=2.000000 lvl=info thr=main "
                                  "ev=start target=127.0.0.1:8080 clients=2 "
                                  "requests=3 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[1], " ev=done connections=6 failed=0 "
                                  "interrupted=0 requests_sent=18 "
                                  "requests_ok=18 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[1], " backend=b2 requests=3 ok=3 "));
    CU_ASSERT_PTR_NULL(strstr(text[1], " backend=b1 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[2],
        "ts=0.000000 lvl=info thr=harness ev=burst_start burst=0 clients=0 "
        "line=0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text[2],
        "ts=0.450000 lvl=info thr=harness ev=burst_end burst=0 status=0\n"
        "ts=1.500000 lvl=info thr=harness ev=fault action=crash be=b1 "
        "line=7\n"
        "ts=2.000000 lvl=info thr=harness ev=burst_start burst=1 clients=2 "
        "line=0\n"
        "ts=2.450000 lvl=info thr=harness ev=burst_end burst=1 status=0\n"
        "ts=2.450000 lvl=info thr=harness ev=run_end reason=done\n"));
    for (int i = 0; i < 3; i++)
        free(text[i]);
    sim_stats_free(&st);
}

/* The logs of one run: proxy, backends, clients, timeline, as one
 * string each. */
struct run_logs {
    char *text[4];
    size_t len[4];
    struct sim_stats st;
};

/* A run with a bit of everything: three service kinds, PS, faults. */
static void rich_run(uint64_t seed, struct run_logs *out)
{
    struct sim_backend b[4];
    struct sim_fault faults[] = {
        { 0.3, SIM_FAULT_CRASH, 1, 0 }, { 0.6, SIM_FAULT_RESTART, 1, 0 },
        { 0.2, SIM_FAULT_PAUSE, 2, 0 }, { 0.4, SIM_FAULT_RESUME, 2, 0 },
        { 0.5, SIM_FAULT_DOWN, 3, 0 }, { 0.7, SIM_FAULT_UP, 3, 0 },
    };
    FILE *files[4], *backend_files[4];
    char *backend_text[4];
    size_t backend_len[4];
    struct sim_config cfg = {
        .backends = b, .backend_count = 4,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_POISSON, .rate = 200, .connections = 300 },
        .burst_count = 1,
        .policy = "p2c", .seed = seed, .faults = faults, .fault_count = 6,
        .passive_down = true, .backend_logs = backend_files,
    };
    char err[256];

    fixed_backends(b, 4, 0.01, 1);
    b[0].service.kind = SIM_SERVICE_EXPONENTIAL;
    b[1].service = (struct sim_service){ SIM_SERVICE_PARETO, 0.01, 1.5 };
    b[2].service = (struct sim_service){ SIM_SERVICE_LOGNORMAL, 0.01, 1.0 };
    b[3].discipline = SIM_PS;
    b[3].weight = 2;
    for (int i = 0; i < 4; i++)
        files[i] = open_memstream(&out->text[i], &out->len[i]);
    for (int i = 0; i < 4; i++)
        backend_files[i] = open_memstream(&backend_text[i], &backend_len[i]);
    cfg.proxy_log = files[0];
    cfg.client_logs = &files[2];
    cfg.timeline_log = files[3];
    faults[0].line = 12;
    CU_ASSERT_EQUAL(sim_run(&cfg, &out->st, err, sizeof(err)), 0);
    for (int i = 0; i < 4; i++) {
        fclose(backend_files[i]);
        fputs(backend_text[i], files[1]);
        free(backend_text[i]);
    }
    for (int i = 0; i < 4; i++)
        fclose(files[i]);
}

static void free_logs(struct run_logs *logs)
{
    for (int i = 0; i < 4; i++)
        free(logs->text[i]);
    sim_stats_free(&logs->st);
}

static void test_seed(void)
{
    struct run_logs a, b, c;

    rich_run(5, &a);
    rich_run(5, &b);
    rich_run(6, &c);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_TRUE(a.len[i] > (i < 3 ? 1000 : 300));
        CU_ASSERT_EQUAL(a.len[i], b.len[i]);
        CU_ASSERT_EQUAL(memcmp(a.text[i], b.text[i], a.len[i]), 0);
        CU_ASSERT_TRUE(a.len[i] != c.len[i] ||
                       memcmp(a.text[i], c.text[i], a.len[i]) != 0);
    }
    CU_ASSERT_EQUAL(a.st.ok, b.st.ok);
    CU_ASSERT_EQUAL(a.st.failed, b.st.failed);
    CU_ASSERT_EQUAL(a.st.events, b.st.events);
    CU_ASSERT_EQUAL(a.st.mean, b.st.mean);
    CU_ASSERT_EQUAL(a.st.p99, b.st.p99);
    CU_ASSERT_EQUAL(memcmp(a.st.level_sum, b.st.level_sum,
                           sizeof(a.st.level_sum)), 0);
    CU_ASSERT_EQUAL(memcmp(a.st.backends, b.st.backends,
                           4 * sizeof(*a.st.backends)), 0);
    /* The crash and the restart happened. */
    CU_ASSERT_TRUE(a.st.backends[1].failed + a.st.backends[1].connect_failed
                   > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.text[0], " ev=backend_down be=b4 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(a.text[0], " ev=backend_up be=b4 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(a.text[1], " ev=listen addr=127.0.0.1:20001"
                                             " name=b2 "));
    free_logs(&a);
    free_logs(&b);
    free_logs(&c);
}

/* The active count of every backend in a cand list, in order. */
static int parse_cand(const char *cand, int *active, int max)
{
    int n = 0;

    while (n < max && (cand = strchr(cand, ':')) != NULL) {
        active[n++] = atoi(++cand);
        cand = strpbrk(cand, " \"");
        if (cand == NULL || *cand == '"')
            break;
    }
    return n;
}

/* The backend index of "be=bN". */
static int be_index(const char *line)
{
    const char *be = strstr(line, " be=b");

    return be != NULL ? atoi(be + 5) - 1 : -1;
}

/* Whether line's event is ev (" ev=pick "). */
static bool is_event(const char *line, const char *ev)
{
    const char *at = strstr(line, " ev=");

    return at != NULL && strncmp(at, ev, strlen(ev)) == 0;
}

/* Replays the proxy log: each pick's counts must be those of the picks
 * and releases before it. Returns the picks checked, or -1. */
static int replay(const char *log)
{
    int counts[8] = { 0 }, active[8], picks = 0;

    for (const char *line = log; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        int be = be_index(line);

        if (is_event(line, " ev=pick ")) {
            int n = parse_cand(strstr(line, "cand=\""), active, 8);

            for (int i = 0; i < n; i++) {
                if (active[i] != counts[i])
                    return -1;
            }
            counts[be]++;
            picks++;
        } else if ((is_event(line, " ev=close ") ||
                    is_event(line, " ev=connect_fail ")) && be >= 0) {
            counts[be]--;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return picks;
}

static void test_logs(void)
{
    struct sim_backend b[2];
    struct sim_config cfg = {
        .backends = b, .backend_count = 2,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_INTERVAL, .interval = 0.001,
            .connections = 3 },
        .burst_count = 1,
        .policy = "roundrobin",
    };
    struct run_logs logs;
    struct sim_stats st;
    char *text, err[256];
    size_t len;

    fixed_backends(b, 2, 0.0025, 0);
    cfg.proxy_log = open_memstream(&text, &len);
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    fclose(cfg.proxy_log);
    CU_ASSERT_STRING_EQUAL(text,
        "ts=0.000000 lvl=info thr=w0 ev=start listen=127.0.0.1:8080 "
        "threads=1 balance=roundrobin backends=2 stats=off pid=0\n"
        "ts=0.000000 lvl=info thr=w0 ev=backend name=b1 addr=127.0.0.1:20000 "
        "weight=1 maxconn=0 state=up\n"
        "ts=0.000000 lvl=info thr=w0 ev=backend name=b2 addr=127.0.0.1:20001 "
        "weight=1 maxconn=0 state=up\n"
        "ts=0.000000 lvl=info thr=w0 ev=accept sid=1 client=10.0.0.1:1024\n"
        "ts=0.000000 lvl=info thr=w0 ev=pick sid=1 seq=1 be=b1 "
        "cand=\"b1:0/up b2:0/up\"\n"
        "ts=0.000000 lvl=info thr=w0 ev=connected sid=1 be=b1 "
        "local=11.0.0.1:1024 ms=0.000\n"
        "ts=0.001000 lvl=info thr=w0 ev=accept sid=2 client=10.0.0.2:1024\n"
        "ts=0.001000 lvl=info thr=w0 ev=pick sid=2 seq=2 be=b2 "
        "cand=\"b1:1/up b2:0/up\"\n"
        "ts=0.001000 lvl=info thr=w0 ev=connected sid=2 be=b2 "
        "local=11.0.0.2:1024 ms=0.000\n"
        "ts=0.002000 lvl=info thr=w0 ev=accept sid=3 client=10.0.0.3:1024\n"
        "ts=0.002000 lvl=info thr=w0 ev=pick sid=3 seq=3 be=b1 "
        "cand=\"b1:1/up b2:1/up\"\n"
        "ts=0.002000 lvl=info thr=w0 ev=connected sid=3 be=b1 "
        "local=11.0.0.3:1024 ms=0.000\n"
        "ts=0.002500 lvl=info thr=w0 ev=close sid=1 be=b1 seq=4 active=1 "
        "bytes_c2b=32 bytes_b2c=35 ms=2.500 reason=done rst=none\n"
        "ts=0.003500 lvl=info thr=w0 ev=close sid=2 be=b2 seq=5 active=0 "
        "bytes_c2b=32 bytes_b2c=35 ms=2.500 reason=done rst=none\n"
        "ts=0.004500 lvl=info thr=w0 ev=close sid=3 be=b1 seq=6 active=0 "
        "bytes_c2b=32 bytes_b2c=35 ms=2.500 reason=done rst=none\n");
    free(text);
    sim_stats_free(&st);

    rich_run(9, &logs);
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[0], "\" p2c=b"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[0], " ev=connect_fail "));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[0], " ev=backend_early_close "));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[2], " ev=done connections=300 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[3], "ts=0.300000 lvl=info "
                                  "thr=harness ev=fault action=crash be=b2 "
                                  "line=12\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[3], " ev=fault action=restart "
                                  "be=b2 line=0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logs.text[3], " ev=run_end reason=done\n"));
    CU_ASSERT_TRUE(replay(logs.text[0]) > 300);
    /* The replay itself fails on a count that is off. */
    strstr(logs.text[0], "b1:0/up")[3] = '7';
    CU_ASSERT_EQUAL(replay(logs.text[0]), -1);
    free_logs(&logs);
}

static void test_memory(void)
{
    struct sim_backend b[10];
    struct sim_config cfg = {
        .backends = b, .backend_count = 10,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_POISSON, .rate = 5, .connections = 200000 },
        .burst_count = 1,
        .policy = "leastconn", .seed = 3,
    };
    struct sim_stats st;
    char err[256];

    memset(b, 0, sizeof(b));
    for (int i = 0; i < 10; i++)
        b[i].service = (struct sim_service){ SIM_SERVICE_EXPONENTIAL, 0.5, 0 };
    CU_ASSERT_EQUAL_FATAL(sim_run(&cfg, &st, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(st.ok, 200000);
    CU_ASSERT_TRUE(st.peak_live < 40);
    sim_stats_free(&st);
}

/* sim_run refuses cfg with a message containing want. */
static void refuses(const struct sim_config *cfg, const char *want)
{
    struct sim_stats st;
    char err[256] = "";

    CU_ASSERT_EQUAL(sim_run(cfg, &st, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL) {
        printf("\nwanted '%s' in '%s'\n", want, err);
        CU_FAIL("wrong message");
    }
    sim_stats_free(&st);
}

static void test_errors(void)
{
    struct sim_backend b[2];
    struct sim_fault fault = { 1.0, SIM_FAULT_CRASH, 2, 0 };
    struct sim_config good = {
        .backends = b, .backend_count = 2,
        .bursts = &(struct sim_arrivals){
            .kind = SIM_ARRIVAL_POISSON, .rate = 10, .connections = 10 },
        .burst_count = 1,
    }, cfg;
    enum sim_service_kind kind;
    enum sim_fault_kind fkind;

    fixed_backends(b, 2, 0.1, 1);
    cfg = good;
    cfg.backend_count = 0;
    refuses(&cfg, "backends: 1 to 1024, not 0");
    cfg = good;
    cfg.policy = "fastest";
    refuses(&cfg, "policy 'fastest': must be leastconn, roundrobin, random "
                  "or p2c");
    cfg = good;
    cfg.bursts = &(struct sim_arrivals){ .kind = SIM_ARRIVAL_CLOSED,
                                         .clients = 2 };
    refuses(&cfg, "burst 1: arrivals never end");
    cfg = good;
    cfg.bursts = &(struct sim_arrivals){ .kind = SIM_ARRIVAL_POISSON };
    refuses(&cfg, "burst 1: poisson needs a rate > 0");
    cfg = good;
    cfg.burst_count = 0;
    refuses(&cfg, "bursts: 1 to 64, not 0");
    cfg = good;
    cfg.faults = &fault;
    cfg.fault_count = 1;
    refuses(&cfg, "fault 1: needs a time from 0 to 1e9 s, a backend from 0 "
                  "to 1");
    b[1].service = (struct sim_service){ SIM_SERVICE_PARETO, 0.1, 1.0 };
    refuses(&good, "backend 2: pareto shape must be > 1");
    b[1].service = (struct sim_service){ SIM_SERVICE_FIXED, -1, 0 };
    refuses(&good, "backend 2: service mean");
    fixed_backends(b, 2, 0.1, 1);
    strcpy(b[0].name, "a b");
    refuses(&good, "backend 1: a name is at most 31 bytes");

    CU_ASSERT_EQUAL(sim_service_parse("pareto", &kind), 0);
    CU_ASSERT_EQUAL(kind, SIM_SERVICE_PARETO);
    CU_ASSERT_STRING_EQUAL(sim_service_name(SIM_SERVICE_LOGNORMAL),
                           "lognormal");
    CU_ASSERT_EQUAL(sim_service_parse("normal", &kind), -1);
    CU_ASSERT_EQUAL(sim_fault_parse("pause", &fkind), 0);
    CU_ASSERT_EQUAL(fkind, SIM_FAULT_PAUSE);
    CU_ASSERT_STRING_EQUAL(sim_fault_name(SIM_FAULT_UP), "up");
    CU_ASSERT_EQUAL(sim_fault_parse("kill", &fkind), -1);
}

static void test_hist(void)
{
    struct sim_hist *h = calloc(1, sizeof(*h));

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(sim_hist_quantile(h, 0.5), 0);
    for (uint64_t v = 1; v <= 1000000; v++)
        sim_hist_add(h, v * 1000);
    CU_ASSERT_EQUAL(h->count, 1000000);
    CU_ASSERT_EQUAL(h->max, 1000000000u);
    CU_ASSERT_TRUE(fabs((double)sim_hist_quantile(h, 0.5) / 5e8 - 1) < 0.008);
    CU_ASSERT_TRUE(fabs((double)sim_hist_quantile(h, 0.99) / 9.9e8 - 1) <
                   0.008);
    CU_ASSERT_EQUAL(sim_hist_quantile(h, 1.0), 1000000000u);
    CU_ASSERT_TRUE(fabs((double)(h->sum / h->count) - 500000500.0) < 1);
    memset(h, 0, sizeof(*h));
    sim_hist_add(h, 7);
    CU_ASSERT_EQUAL(sim_hist_quantile(h, 0.5), 7);
    free(h);
}

static CU_TestInfo sim_tests[] = {
    { "FIFO: one, two, any number at once", test_fifo },
    { "processor sharing", test_ps },
    { "crash: failures, failed connects, retries, passive down",
      test_crash },
    { "restart, pause, resume, down, up", test_restart_pause_down_up },
    { "closed loop", test_closed_loop },
    { "two bursts, their logs", test_bursts },
    { "same seed, same logs and statistics", test_seed },
    { "logs: exact lines, p2c=, replay of every pick", test_logs },
    { "memory: open connections, not all", test_memory },
    { "errors", test_errors },
    { "histogram quantiles", test_hist },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(sim, sim_tests)
