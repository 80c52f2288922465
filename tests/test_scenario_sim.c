/*
 * test_scenario_sim: the simulator's words of the scenario language
 * (scenario.c with scenario_sim.c): what they parse into, their errors,
 * what a real run and a simulated run each refuse, and the --compare list
 * (compare.c).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "scenario.h"
#include "scenario_sim.h"
#include "testlib.h"

/* The parse of text, and its messages ("" when none). */
struct sim_parsed {
    struct scenario scenario;
    char *messages;
    size_t length;
    int errors;
};

static struct sim_parsed *sim_parse(const char *text)
{
    struct sim_parsed *r = calloc(1, sizeof(*r));
    FILE *stream;

    CU_ASSERT_FATAL(r != NULL);
    stream = open_memstream(&r->messages, &r->length);
    CU_ASSERT_FATAL(stream != NULL);
    r->errors = scenario_parse_text("t.scn", text, &r->scenario, stream);
    fclose(stream);
    return r;
}

static void sim_parsed_free(struct sim_parsed *r)
{
    free(r->messages);
    free(r);
}

/* text must give exactly the one message want. */
static void expect_sim_error(const char *text, const char *want)
{
    struct sim_parsed *r = sim_parse(text);
    char line[512];

    snprintf(line, sizeof(line), "%s\n", want);
    CU_ASSERT_EQUAL(r->errors, 1);
    CU_ASSERT_STRING_EQUAL(r->messages, line);
    if (strcmp(r->messages, line) != 0)
        fprintf(stderr, "\n    wanted: %s    got:    %s", line, r->messages);
    sim_parsed_free(r);
}

/* What a mode's check (refuse or unsupported) says about text. */
static int mode_errors(const char *text, bool sim, char *out, size_t size)
{
    struct sim_parsed *r = sim_parse(text);
    FILE *stream = fmemopen(out, size, "w");
    int bad;

    CU_ASSERT_EQUAL_FATAL(r->errors, 0);
    CU_ASSERT_FATAL(stream != NULL);
    bad = sim ? scenario_sim_unsupported(&r->scenario, stream)
              : scenario_sim_refuse(&r->scenario, stream);
    fclose(stream);
    sim_parsed_free(r);
    return bad;
}

#define SIM_TEXT                                                            \
    "# sim\n"                                                    /* 1 */    \
    "proxy balance=p2c\n"                                        /* 2 */    \
    "backend b1 service=pareto mean=0.5ms alpha=1.5 concurrency=2\n"        \
    "backend b2 service=lognormal mean=2s sigma=1 discipline=ps\n" /* 4 */  \
    "backend b3 latency=20ms\n"                                  /* 5 */    \
    "backends 1000 web service=exp mean=250us weight=3\n"        /* 6 */    \
    "at 0s clients poisson rate=900/s count=100000 requests=2\n" /* 7 */    \
    "at 1s clients uniform rate=2.5 count=10\n"                  /* 8 */    \
    "at 2s clients 50 count=5000\n"                              /* 9 */    \
    "at 3s crash b3\n"                                           /* 10 */   \
    "expect clients ok\n"

static void test_sim_words_parse(void)
{
    struct sim_parsed *r = sim_parse(SIM_TEXT);
    const struct scenario *sc = &r->scenario;

    CU_ASSERT_EQUAL_FATAL(r->errors, 0);
    CU_ASSERT_EQUAL(sc->backends[0].service.kind, SCENARIO_SERVICE_PARETO);
    CU_ASSERT_DOUBLE_EQUAL(sc->backends[0].service.mean_ms, 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sc->backends[0].service.shape, 1.5, 1e-12);
    CU_ASSERT_EQUAL(sc->backends[0].service.concurrency, 2);
    CU_ASSERT_EQUAL(sc->backends[0].sim_line, 3);
    CU_ASSERT_EQUAL(sc->backends[1].service.kind, SCENARIO_SERVICE_LOGNORMAL);
    CU_ASSERT_DOUBLE_EQUAL(sc->backends[1].service.mean_ms, 2000.0, 1e-9);
    CU_ASSERT_TRUE(sc->backends[1].service.ps);
    CU_ASSERT_EQUAL(sc->backends[2].sim_line, 0);
    CU_ASSERT_EQUAL(sc->backends[2].service.concurrency, -1);
    CU_ASSERT_EQUAL(sc->group_count, 1);
    CU_ASSERT_STRING_EQUAL(sc->groups[0].prefix, "web");
    CU_ASSERT_EQUAL(sc->groups[0].count, 1000);
    CU_ASSERT_EQUAL(sc->groups[0].model.weight, 3);
    CU_ASSERT_DOUBLE_EQUAL(sc->groups[0].model.service.mean_ms, 0.25, 1e-12);
    CU_ASSERT_EQUAL(scenario_sim_backend_total(sc), 1003);
    CU_ASSERT_EQUAL(sc->events[0].burst.arrival, SCENARIO_ARRIVAL_POISSON);
    CU_ASSERT_DOUBLE_EQUAL(sc->events[0].burst.rate, 900.0, 1e-12);
    CU_ASSERT_EQUAL(sc->events[0].burst.count, 100000);
    CU_ASSERT_EQUAL(sc->events[0].burst.requests, 2);
    CU_ASSERT_EQUAL(sc->events[1].burst.arrival, SCENARIO_ARRIVAL_UNIFORM);
    CU_ASSERT_DOUBLE_EQUAL(sc->events[1].burst.rate, 2.5, 1e-12);
    CU_ASSERT_EQUAL(sc->events[2].burst.arrival, SCENARIO_ARRIVAL_CLOSED);
    CU_ASSERT_EQUAL(sc->events[2].burst.clients, 50);
    CU_ASSERT_EQUAL(sc->events[2].burst.count, 5000);
    CU_ASSERT_TRUE(sc->events[2].burst.simulated);
    CU_ASSERT_STRING_EQUAL(scenario_policy(sc), "p2c");
    sim_parsed_free(r);
}

static void test_sim_words_errors(void)
{
    expect_sim_error("backend b1 service=gamma mean=1ms\nexpect clients ok\n",
                     "t.scn:1: service 'gamma': must be fixed, exp, pareto "
                     "or lognormal");
    expect_sim_error("backend b1 service=exp\nexpect clients ok\n",
                     "t.scn:1: service=exp needs mean=, like mean=10ms");
    expect_sim_error("backend b1 mean=1ms\nexpect clients ok\n",
                     "t.scn:1: mean= needs service=fixed|exp|pareto|"
                     "lognormal");
    expect_sim_error("backend b1 service=exp mean=0ms\nexpect clients ok\n",
                     "t.scn:1: mean '0ms': must be a time above 0 and at "
                     "most 10m, like 10ms, 0.5ms, 250us or 2s");
    expect_sim_error("backend b1 service=exp mean=10\nexpect clients ok\n",
                     "t.scn:1: mean '10': must be a time above 0 and at "
                     "most 10m, like 10ms, 0.5ms, 250us or 2s");
    expect_sim_error("backend b1 service=pareto mean=1ms alpha=1\n"
                     "expect clients ok\n", "t.scn:1: alpha '1': must be a "
                     "number above 1 (the mean is infinite otherwise) and "
                     "below 1000000");
    /* Numbers as everywhere in the lab: digits and a fraction, no sign,
     * exponent or hexadecimal; the simulator's limits at the line. */
    expect_sim_error("backend b1 service=exp mean=1e-3s\nexpect clients ok\n",
                     "t.scn:1: mean '1e-3s': must be a time above 0 and at "
                     "most 10m, like 10ms, 0.5ms, 250us or 2s");
    expect_sim_error("backend b1 service=exp mean=+5ms\nexpect clients ok\n",
                     "t.scn:1: mean '+5ms': must be a time above 0 and at "
                     "most 10m, like 10ms, 0.5ms, 250us or 2s");
    expect_sim_error("backend b1 service=pareto mean=1ms alpha=0x2\n"
                     "expect clients ok\n", "t.scn:1: alpha '0x2': must be a "
                     "number above 1 (the mean is infinite otherwise) and "
                     "below 1000000");
    expect_sim_error("backend b1 service=pareto mean=1ms alpha=1e1\n"
                     "expect clients ok\n", "t.scn:1: alpha '1e1': must be a "
                     "number above 1 (the mean is infinite otherwise) and "
                     "below 1000000");
    expect_sim_error("backend b1 service=lognormal mean=1ms sigma=1e308\n"
                     "expect clients ok\n", "t.scn:1: sigma '1e308': must be "
                     "a number above 0 and below 10");
    expect_sim_error("backend b1 service=lognormal mean=1ms sigma=10\n"
                     "expect clients ok\n", "t.scn:1: sigma '10': must be "
                     "a number above 0 and below 10");
    expect_sim_error("backend b1\nat 0s clients poisson rate=0x10/s "
                     "count=1\nexpect clients ok\n", "t.scn:2: rate '0x10/s': "
                     "must be connections per second above 0 and below "
                     "1000000000, like rate=500/s");
    expect_sim_error("backend b1\nat 0s clients poisson rate=1e300/s "
                     "count=1\nexpect clients ok\n", "t.scn:2: rate "
                     "'1e300/s': must be connections per second above 0 and "
                     "below 1000000000, like rate=500/s");
    expect_sim_error("backend b1 service=pareto mean=1ms\nexpect clients "
                     "ok\n", "t.scn:1: service=pareto needs alpha=, like "
                     "alpha=1.5");
    expect_sim_error("backend b1 service=exp mean=1ms sigma=1\nexpect "
                     "clients ok\n", "t.scn:1: alpha= goes with "
                     "service=pareto, sigma= with service=lognormal");
    expect_sim_error("backend b1 service=exp mean=1ms discipline=ps "
                     "concurrency=1\nexpect clients ok\n", "t.scn:1: "
                     "concurrency= is for discipline=fifo: under processor "
                     "sharing every connection is served at once");
    expect_sim_error("backend b1\nbackends 0 web\nexpect clients ok\n",
                     "t.scn:2: backends '0': the number must be from 1 to "
                     "1024");
    expect_sim_error("backend b1\nbackends 10\nexpect clients ok\n",
                     "t.scn:2: backends needs a number and a name prefix, "
                     "like 'backends 1000 web service=exp mean=10ms'");
    expect_sim_error("backend b1\nat 0s clients poisson count=10\nexpect "
                     "clients ok\n", "t.scn:2: clients poisson needs "
                     "rate=R/s and count=N, like 'clients poisson "
                     "rate=500/s count=10000'");
    expect_sim_error("backend b1\nat 0s clients poisson rate=fast count=1\n"
                     "expect clients ok\n", "t.scn:2: rate 'fast': must be "
                     "connections per second above 0 and below 1000000000, "
                     "like rate=500/s");
    expect_sim_error("backend b1\nat 0s clients 5 rate=5/s\nexpect clients "
                     "ok\n", "t.scn:2: rate= goes with 'clients poisson' or "
                     "'clients uniform'");
    expect_sim_error("backend b1\nat 0s clients 5 count=4\nexpect clients "
                     "ok\n", "t.scn:2: count=4 is less than the 5 clients: "
                     "each client makes one connection at least");
}

/* A real run refuses each simulator line; --sim accepts them. */
static void test_real_run_refuses_sim_words(void)
{
    char out[2048];

    CU_ASSERT_EQUAL(mode_errors(SIM_TEXT, false, out, sizeof(out)), 6);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:3: service=, mean=, alpha=, "
                                  "sigma=, concurrency= and discipline= "
                                  "only with --sim"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:6: backends N PREFIX only "
                                  "with --sim"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:9: clients poisson|uniform, "
                                  "rate= and count= only with --sim"));
    CU_ASSERT_PTR_NULL(strstr(out, "t.scn:5:"));
    CU_ASSERT_EQUAL(mode_errors(SIM_TEXT, true, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(mode_errors("backend b1 latency=5ms\nat 0s clients 3\n"
                                "expect clients ok\n", false, out,
                                sizeof(out)), 0);
}

/* --sim refuses what it cannot run, each with its line. */
static void test_sim_refuses_what_it_cannot_run(void)
{
    char out[2048];

    CU_ASSERT_EQUAL(mode_errors("proxy queue=5\n"                   /* 1 */
                                "backend b1 latency=5ms jitter=2ms\n"
                                "backend b2 hang\n"                 /* 3 */
                                "backend b3 latency=1ms service=exp "
                                "mean=1ms\n"                        /* 4 */
                                "at 0s clients 5 hold=1s\n"         /* 5 */
                                "at 1s drain b1\n"                  /* 6 */
                                "when b1 picks 3 crash b2\n"        /* 7 */
                                "backends 5 b\n"                    /* 8 */
                                "expect clients ok\n", true, out,
                                sizeof(out)), 10);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:1: proxy queue= is not "
                                  "simulated"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:2: backend b1: jitter= is "
                                  "not simulated"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:3: backend b2: hang is not "
                                  "simulated"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:4: latency= and service= "
                                  "cannot be used together"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:5: hold= and ramp= are not "
                                  "simulated"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:6: drain is not simulated"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:7: 'when NAME picks N' is not "
                                  "simulated"));
    /* b1, b2, b3 are names of "backends 5 b" too. */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "t.scn:2: backend b1 is also a name "
                                  "of the backends on line 8"));
}

static void test_compare_policy_lists(void)
{
    struct compare_policies p;
    char err[256];

    CU_ASSERT_EQUAL(compare_parse_policies("leastconn,p2c,random,roundrobin",
                                           &p, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(p.count, 4);
    CU_ASSERT_STRING_EQUAL(p.names[1], "p2c");
    CU_ASSERT_STRING_EQUAL(p.names[3], "roundrobin");
    CU_ASSERT_EQUAL(compare_parse_policies("p2c,fastest", &p, err,
                                           sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "--compare: 'fastest' is not a policy "
                           "(policies: leastconn, roundrobin, random, p2c)");
    CU_ASSERT_EQUAL(compare_parse_policies("p2c,,random", &p, err,
                                           sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "--compare: '' is not a policy (policies: "
                           "leastconn, roundrobin, random, p2c)");
    CU_ASSERT_EQUAL(compare_parse_policies("random,random", &p, err,
                                           sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "--compare: random is named twice");
    CU_ASSERT_EQUAL(compare_parse_policies("p2c", &p, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs two policies or more"));
}

/* --compare gives each copy its policy, replacing the one written. */
static void test_set_policy(void)
{
    struct sim_parsed *r = sim_parse("proxy threads=2 balance=random\n"
                                     "backend b1\nexpect clients ok\n");

    CU_ASSERT_STRING_EQUAL(scenario_policy(&r->scenario), "random");
    CU_ASSERT_EQUAL(scenario_set_policy(&r->scenario, "p2c"), 0);
    CU_ASSERT_STRING_EQUAL(scenario_policy(&r->scenario), "p2c");
    CU_ASSERT_EQUAL(r->scenario.proxy_count, 2);
    sim_parsed_free(r);
    r = sim_parse("backend b1\nexpect clients ok\n");
    CU_ASSERT_STRING_EQUAL(scenario_policy(&r->scenario), "leastconn");
    CU_ASSERT_EQUAL(scenario_set_policy(&r->scenario, "roundrobin"), 0);
    CU_ASSERT_STRING_EQUAL(scenario_policy(&r->scenario), "roundrobin");
    CU_ASSERT_EQUAL(r->scenario.proxy_count, 1);
    sim_parsed_free(r);
}

static CU_TestInfo scenario_sim_tests[] = {
    { "simulator words parse", test_sim_words_parse },
    { "simulator words: errors", test_sim_words_errors },
    { "a real run refuses simulator words",
      test_real_run_refuses_sim_words },
    { "--sim refuses what it cannot run",
      test_sim_refuses_what_it_cannot_run },
    { "--compare policy lists", test_compare_policy_lists },
    { "set policy", test_set_policy },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(scenario_sim, scenario_sim_tests)
