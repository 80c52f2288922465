/*
 * test_balancer_ops: the balancer while it runs (balancer_ops suite; the
 * ejection tests are the ejection suite).
 *
 *   admin      disabled and draining backends are never picked; a drain
 *              reports "drained" once, when the count reaches 0 (at once
 *              when it is 0 already); the cand states' precedence;
 *   find       names of live slots only; a removed name can be added again,
 *              in a new slot;
 *   weight     set_weight/set_maxconn change the next decision, report the
 *              old value, refuse bad values; a change to the same value is
 *              no event;
 *   add/remove new slots, EEXIST, EBUSY unless disabled/draining and idle,
 *              ENOSPC, removed slots left out of the cand list;
 *   format     the effective weight as /w3, /w0.37, /w2.50, none at 1;
 *   slowstart  ew = max(1, weight*100*elapsed/ramp) on a fake clock, from
 *              each start: enabled, added, up after a check, restored;
 *   ejection   after N consecutive failures, for k*base (capped) at the
 *              k-th in a row; a first byte ends the streak and the row;
 *              the max share, eject_skipped; restored when the time is
 *              over, noticed by the next decision;
 *   queue      only when every eligible backend is full; FIFO, each served
 *              in the critical section of the release that freed a slot;
 *              full queue; cancel before and after being served; a larger
 *              maxconn serves several at once; threads queueing and
 *              releasing at once lose no waiter;
 *   log        balancer_log_events' exact lines;
 *   config     the options and config-file lines that tune the balancer,
 *              their defaults and their errors.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "balancer.h"
#include "config.h"
#include "log_capture.h"
#include "testlib.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
    return fake_now;
}

static void make_spec(struct balancer_backend_spec *spec, const char *name,
                      int port, int weight, int maxconn)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&spec->addr.sa;

    memset(spec, 0, sizeof(*spec));
    snprintf(spec->name, sizeof(spec->name), "%s", name);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    spec->addr.len = sizeof(*sin);
    spec->weight = weight;
    spec->maxconn = maxconn;
    spec->slowstart_ms = -1;
}

/* count backends b1..bN, weight 1, maxconn as given (NULL: 0), tuned. */
static struct balancer *make(size_t count, const int *maxconn,
                             const struct balancer_tuning *tuning)
{
    struct balancer_backend_spec specs[BALANCER_MAX_BACKENDS];
    struct balancer *b;

    for (size_t i = 0; i < count; i++) {
        char name[24];

        snprintf(name, sizeof(name), "b%zu", i + 1);
        make_spec(&specs[i], name, 9000 + (int)i, 1, maxconn ? maxconn[i] : 0);
    }
    b = balancer_create(specs, count, BALANCER_LEASTCONN, false, 1);
    if (b != NULL && tuning != NULL) {
        struct balancer_tuning t = *tuning;

        t.clock_ms = fake_clock;
        balancer_tune(b, &t);
    }
    fake_now = 1000;
    return b;
}

static const char *cand(struct balancer *b, const struct balancer_view *view)
{
    static char buf[1024];

    return balancer_view_format(b, view, buf, sizeof(buf));
}

/* The cand list a pick that takes nothing would see (all tried). */
static const char *look(struct balancer *b)
{
    struct balancer_view view;

    balancer_pick(b, ~(uint64_t)0, &view);
    return cand(b, &view);
}

/* Index of the first event of kind, or -1. */
static int find_ev(const struct balancer_events *ev,
                   enum balancer_event_kind kind)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (ev->ev[i].kind == kind)
            return (int)i;
    }
    return -1;
}

static void release(struct balancer *b, size_t index,
                    enum balancer_release_kind kind,
                    struct balancer_events *ev)
{
    struct balancer_change change;

    balancer_release_ev(b, index, kind, &change, ev);
}

/* --- admin ------------------------------------------------------------- */

static void test_admin_states(void)
{
    struct balancer *b = make(3, NULL, NULL);
    struct balancer_events ev;
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_set_admin(b, 0, BALANCER_DISABLED, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_ADMIN);
    CU_ASSERT_EQUAL(ev.ev[0].a, BALANCER_DISABLED);
    /* Never picked while disabled, however idle. */
    for (int k = 0; k < 6; k++) {
        int i = balancer_pick(b, 0, NULL);

        CU_ASSERT_NOT_EQUAL(i, 0);
    }
    CU_ASSERT_STRING_EQUAL(look(b), "b1:0/disabled b2:3/tried b3:3/tried");
    /* The same state again is no change. */
    CU_ASSERT_EQUAL(balancer_set_admin(b, 0, BALANCER_DISABLED, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 0);
    /* Draining b2 with 3 active: drained when the last one goes. */
    CU_ASSERT_EQUAL(balancer_set_admin(b, 1, BALANCER_DRAINING, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].b, 3);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 2);
    release(b, 1, BALANCER_RELEASE_OK, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_DRAINED), -1);
    release(b, 1, BALANCER_RELEASE_OK, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_DRAINED), -1);
    release(b, 1, BALANCER_RELEASE_OK, &ev);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_DRAINED), 0);
    CU_ASSERT_EQUAL(ev.ev[0].index, 1);
    /* Draining an idle backend is drained at once, after the admin line. */
    CU_ASSERT_EQUAL(balancer_set_admin(b, 0, BALANCER_DRAINING, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 2);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_ADMIN);
    CU_ASSERT_EQUAL(ev.ev[1].kind, BALANCER_EV_DRAINED);
    CU_ASSERT(ev.ev[1].seq > ev.ev[0].seq);
    /* Precedence: disabled and draining over down. */
    balancer_check_result(b, 0, false, 1, 1, &change);
    CU_ASSERT_TRUE(change.went_down);
    CU_ASSERT_STRING_EQUAL(look(b), "b1:0/draining b2:0/draining b3:4/tried");
    /* Enabled again: picked again. */
    CU_ASSERT_EQUAL(balancer_set_admin(b, 1, BALANCER_READY, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    CU_ASSERT_EQUAL(balancer_set_admin(b, 7, BALANCER_READY, &ev), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(balancer_set_admin(b, 0, (enum balancer_admin)9, &ev), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    balancer_destroy(b);
}

/* down over ejected, ejected over tried and full. */
static void test_state_precedence(void)
{
    static const int maxconn[] = { 1, 1 };
    struct balancer_tuning t = { .eject_after = 1, .eject_time_ms = 1000,
                                 .eject_max_time_ms = 5000,
                                 .eject_max_percent = 100 };
    struct balancer *b = make(2, maxconn, &t);
    struct balancer_change change;
    struct balancer_events ev;
    struct balancer_view view;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 1);
    CU_ASSERT_EQUAL(balancer_pick(b, 0, &view), -1);   /* both full */
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:1/full b2:1/full");
    balancer_pick(b, 1, &view);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:1/tried b2:1/full");
    release(b, 0, BALANCER_RELEASE_CONNECT_FAILED, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_EJECTED), 0);
    balancer_pick(b, 1, &view);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:0/ejected b2:1/full");
    balancer_check_result(b, 0, false, 1, 1, &change);
    balancer_pick(b, 1, &view);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:0/down b2:1/full");
    balancer_destroy(b);
}

/* --- find, weight, maxconn, add, remove -------------------------------- */

static void test_find_add_remove(void)
{
    struct balancer *b = make(2, NULL, NULL);
    struct balancer_backend_spec spec;
    struct balancer_events ev;
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    int i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_find(b, "b2"), 1);
    CU_ASSERT_EQUAL(balancer_find(b, "b3"), -1);
    make_spec(&spec, "b3", 9102, 2, 5);
    i = balancer_add(b, &spec, &ev);
    CU_ASSERT_EQUAL(i, 2);
    CU_ASSERT_EQUAL(balancer_count(b), 3);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_ADDED);
    CU_ASSERT_EQUAL(ev.ev[0].a, 2);
    CU_ASSERT_EQUAL(ev.ev[0].b, 5);
    CU_ASSERT_EQUAL(balancer_find(b, "b3"), 2);
    CU_ASSERT_STRING_EQUAL(look(b), "b1:0/tried b2:0/tried b3:0/tried/w2");
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), -1);
    CU_ASSERT_EQUAL(errno, EEXIST);
    spec.weight = 0;
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    /* Remove: only when disabled or draining, and idle. */
    CU_ASSERT_EQUAL(balancer_remove(b, 1, &ev), -1);
    CU_ASSERT_EQUAL(errno, EBUSY);
    CU_ASSERT_EQUAL(balancer_pick(b, 5, NULL), 1);
    balancer_set_admin(b, 1, BALANCER_DRAINING, &ev);
    CU_ASSERT_EQUAL(balancer_remove(b, 1, &ev), -1);
    CU_ASSERT_EQUAL(errno, EBUSY);
    release(b, 1, BALANCER_RELEASE_OK, &ev);
    CU_ASSERT_EQUAL(balancer_remove(b, 1, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_REMOVED);
    CU_ASSERT_EQUAL(balancer_remove(b, 1, &ev), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(balancer_find(b, "b2"), -1);
    CU_ASSERT_STRING_EQUAL(look(b), "b1:0/tried b3:0/tried/w2");
    for (int k = 0; k < 8; k++) {
        int p = balancer_pick(b, 0, NULL);

        CU_ASSERT(p == 0 || p == 2);
    }
    /* The name again: a new slot. */
    make_spec(&spec, "b2", 9201, 1, 0);
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), 3);
    CU_ASSERT_EQUAL(balancer_find(b, "b2"), 3);
    CU_ASSERT_EQUAL(balancer_snapshot(b, rows), 4);
    CU_ASSERT_TRUE(rows[1].removed);
    CU_ASSERT_FALSE(rows[3].removed);
    CU_ASSERT_EQUAL(rows[2].weight, 2);
    CU_ASSERT_EQUAL(rows[2].maxconn, 5);
    CU_ASSERT_EQUAL(rows[2].ew, 200);
    CU_ASSERT_EQUAL(balancer_set_weight(b, 1, 3, &ev), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    /* Every slot used once: no more. */
    for (int k = 4; k < BALANCER_MAX_BACKENDS; k++) {
        char name[16];

        snprintf(name, sizeof(name), "x%d", k);
        make_spec(&spec, name, 9300 + k, 1, 0);
        CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), k);
    }
    make_spec(&spec, "last", 9400, 1, 0);
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), -1);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    balancer_destroy(b);
}

static void test_weight_maxconn(void)
{
    struct balancer *b = make(2, NULL, NULL);
    struct balancer_events ev;
    struct balancer_view view;
    int hits[2] = { 0, 0 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(balancer_set_weight(b, 0, 3, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_WEIGHT);
    CU_ASSERT_EQUAL(ev.ev[0].a, 3);
    CU_ASSERT_EQUAL(ev.ev[0].b, 1);
    CU_ASSERT_EQUAL(balancer_set_weight(b, 0, 3, &ev), 0);
    CU_ASSERT_EQUAL(ev.count, 0);
    CU_ASSERT_EQUAL(balancer_set_weight(b, 0, 0, &ev), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(balancer_set_weight(b, 0, 257, &ev), -1);
    /* Held picks: 3 to 1. */
    for (int k = 0; k < 8; k++)
        hits[balancer_pick(b, 0, NULL)]++;
    CU_ASSERT_EQUAL(hits[0], 6);
    CU_ASSERT_EQUAL(hits[1], 2);
    balancer_pick(b, 3, &view);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:6/tried/w3 b2:2/tried");
    CU_ASSERT_EQUAL(balancer_set_maxconn(b, 1, 2, &ev), 0);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_MAXCONN);
    CU_ASSERT_EQUAL(ev.ev[0].a, 2);
    CU_ASSERT_EQUAL(ev.ev[0].b, 0);
    CU_ASSERT_EQUAL(balancer_pick(b, 1, &view), -1);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:6/tried/w3 b2:2/full");
    CU_ASSERT_EQUAL(balancer_set_maxconn(b, 1, -1, &ev), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(balancer_set_maxconn(b, 1, 0, &ev), 0);
    CU_ASSERT_EQUAL(balancer_pick(b, 1, NULL), 1);
    balancer_destroy(b);
}

static void test_ew_format(void)
{
    char buf[16];

    CU_ASSERT_STRING_EQUAL(balancer_ew_format(300, buf, sizeof(buf)), "3");
    CU_ASSERT_STRING_EQUAL(balancer_ew_format(37, buf, sizeof(buf)), "0.37");
    CU_ASSERT_STRING_EQUAL(balancer_ew_format(250, buf, sizeof(buf)), "2.50");
    CU_ASSERT_STRING_EQUAL(balancer_ew_format(1, buf, sizeof(buf)), "0.01");
    CU_ASSERT_STRING_EQUAL(balancer_ew_format(25600, buf, sizeof(buf)), "256");
}

/* --- slow start ---------------------------------------------------------- */

/* The effective weight of index as a decision now sees it. */
static int ew_now(struct balancer *b, size_t index)
{
    struct balancer_view view;

    balancer_pick(b, ~(uint64_t)0, &view);
    return view.cand[index].ew;
}

static void test_slowstart_ramp(void)
{
    struct balancer_tuning t = { .slowstart_ms = 1000 };
    struct balancer *b = make(2, NULL, &t);
    struct balancer_events ev;
    struct balancer_view view;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* No ramp at start. */
    CU_ASSERT_EQUAL(ew_now(b, 0), 100);
    balancer_set_weight(b, 0, 3, &ev);
    balancer_set_admin(b, 0, BALANCER_DISABLED, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), -1);
    fake_now = 5000;
    balancer_set_admin(b, 0, BALANCER_READY, &ev);
    CU_ASSERT_EQUAL(ev.count, 2);
    CU_ASSERT_EQUAL(ev.ev[1].kind, BALANCER_EV_SLOWSTART);
    CU_ASSERT_EQUAL(ev.ev[1].a, 1000);
    CU_ASSERT_EQUAL(ev.ev[1].b, 3);
    CU_ASSERT_EQUAL(ew_now(b, 0), 1);           /* max(1, 0) */
    fake_now = 5001;
    CU_ASSERT_EQUAL(ew_now(b, 0), 1);           /* 300 * 1 / 1000 = 0 */
    fake_now = 5004;
    CU_ASSERT_EQUAL(ew_now(b, 0), 1);           /* 1.2 -> 1 */
    fake_now = 5123;
    CU_ASSERT_EQUAL(ew_now(b, 0), 36);          /* 36.9 -> 36 */
    fake_now = 5500;
    {
        struct balancer_stats rows[BALANCER_MAX_BACKENDS];

        balancer_snapshot(b, rows);
        CU_ASSERT_EQUAL(rows[0].ew, 150);
        CU_ASSERT_EQUAL(rows[0].weight, 3);
        CU_ASSERT_EQUAL(rows[1].ew, 100);
    }
    balancer_pick(b, ~(uint64_t)0, &view);
    CU_ASSERT_EQUAL(view.cand[0].ew, 150);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:0/tried/w1.50 b2:0/tried");
    /* The weight changed mid-ramp: the ramp goes on towards it. */
    balancer_set_weight(b, 0, 1, &ev);
    fake_now = 5870;
    CU_ASSERT_EQUAL(ew_now(b, 0), 87);
    balancer_pick(b, ~(uint64_t)0, &view);
    CU_ASSERT_STRING_EQUAL(cand(b, &view), "b1:0/tried/w0.87 b2:0/tried");
    fake_now = 6000;
    CU_ASSERT_EQUAL(ew_now(b, 0), 100);
    fake_now = 7000;
    CU_ASSERT_EQUAL(ew_now(b, 0), 100);
    balancer_destroy(b);
}

/* A ramping backend gets its share of leastconn picks by ew. */
static void test_slowstart_share(void)
{
    struct balancer_tuning t = { .slowstart_ms = 1000 };
    struct balancer *b = make(2, NULL, &t);
    struct balancer_events ev;
    int hits[2] = { 0, 0 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    balancer_set_admin(b, 1, BALANCER_DISABLED, &ev);
    balancer_set_admin(b, 1, BALANCER_READY, &ev);
    fake_now += 250;                            /* ew 25 against 100 */
    for (int k = 0; k < 50; k++)
        hits[balancer_pick(b, 0, NULL)]++;
    /* Held picks: b2 takes one whenever a2 * 100 < a1 * 25, a fifth. */
    CU_ASSERT_EQUAL(hits[0], 40);
    CU_ASSERT_EQUAL(hits[1], 10);
    balancer_destroy(b);
}

/* Every way a ramp starts: added, back up after checks, restored. */
static void test_slowstart_starts(void)
{
    struct balancer_tuning t = { .slowstart_ms = 0, .eject_after = 1,
                                 .eject_time_ms = 100,
                                 .eject_max_time_ms = 1000,
                                 .eject_max_percent = 50 };
    struct balancer *b = make(2, NULL, &t);
    struct balancer_backend_spec spec;
    struct balancer_change change;
    struct balancer_events ev;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* Per-backend slowstart on an added backend, none by default. */
    make_spec(&spec, "b3", 9102, 2, 0);
    spec.slowstart_ms = 400;
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), 2);
    CU_ASSERT_EQUAL(ev.count, 2);
    CU_ASSERT_EQUAL(ev.ev[1].kind, BALANCER_EV_SLOWSTART);
    CU_ASSERT_EQUAL(ev.ev[1].a, 400);
    CU_ASSERT_EQUAL(ev.ev[1].b, 2);
    fake_now += 100;
    CU_ASSERT_EQUAL(ew_now(b, 2), 50);
    CU_ASSERT_EQUAL(ew_now(b, 0), 100);
    fake_now += 300;
    CU_ASSERT_EQUAL(ew_now(b, 2), 200);
    /* Down, then up after a check: a ramp. */
    balancer_check_result(b, 2, false, 1, 1, &change);
    balancer_check_result_ev(b, 2, true, 1, 1, &change, &ev);
    CU_ASSERT_TRUE(change.went_up);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), 0);
    CU_ASSERT(ev.ev[0].seq > change.state_seq);
    fake_now += 200;
    CU_ASSERT_EQUAL(ew_now(b, 2), 100);
    /* b1 has no ramp of its own: up again without one. */
    balancer_check_result(b, 0, false, 1, 1, &change);
    balancer_check_result_ev(b, 0, true, 1, 1, &change, &ev);
    CU_ASSERT_EQUAL(ev.count, 0);
    /* Ejected, then restored: a ramp. */
    fake_now += 1000;
    CU_ASSERT_EQUAL(balancer_pick(b, 3, NULL), 2);
    release(b, 2, BALANCER_RELEASE_CONNECT_FAILED, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_EJECTED), 0);
    fake_now += 100;
    {
        struct balancer_view view;

        CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, NULL, &ev), 0);
        CU_ASSERT_EQUAL(ev.count, 2);
        CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_RESTORED);
        CU_ASSERT_EQUAL(ev.ev[1].kind, BALANCER_EV_SLOWSTART);
        CU_ASSERT(ev.ev[1].seq < view.seq);
        CU_ASSERT_EQUAL(view.cand[2].ew, 1);
        CU_ASSERT_EQUAL(view.cand[2].state, BALANCER_CAND_UP);
    }
    /* Ejected again, and its health goes down meanwhile: restored while
     * down, it does not ramp then, only once it is up again (one ramp,
     * not two). */
    fake_now += 1000;
    CU_ASSERT_EQUAL(balancer_pick(b, 3, NULL), 2);
    release(b, 2, BALANCER_RELEASE_CONNECT_FAILED, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_EJECTED), 0);
    balancer_check_result(b, 2, false, 1, 1, &change);
    fake_now += 1000;
    CU_ASSERT(balancer_pick_or_queue(b, 0, NULL, NULL, &ev) != 2);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_RESTORED), 0);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), -1);
    balancer_check_result_ev(b, 2, true, 1, 1, &change, &ev);
    CU_ASSERT_TRUE(change.went_up);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), 0);
    /* Up while disabled: no ramp until it is enabled. */
    balancer_set_admin(b, 2, BALANCER_DISABLED, &ev);
    balancer_check_result(b, 2, false, 1, 1, &change);
    balancer_check_result_ev(b, 2, true, 1, 1, &change, &ev);
    CU_ASSERT_TRUE(change.went_up);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), -1);
    balancer_set_admin(b, 2, BALANCER_READY, &ev);
    CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_SLOWSTART), 1);
    balancer_destroy(b);
}

/* --- ejection ------------------------------------------------------------ */

/* n failures of index (picked with only it eligible, then released). */
static void fail_n(struct balancer *b, size_t index, int n,
                   struct balancer_events *ev)
{
    for (int k = 0; k < n; k++) {
        CU_ASSERT_EQUAL(balancer_pick(b, ~((uint64_t)1 << index), NULL),
                        (int)index);
        release(b, index, BALANCER_RELEASE_SILENT_CLOSE, ev);
    }
}

static void test_eject_growth(void)
{
    struct balancer_tuning t = { .eject_after = 3, .eject_time_ms = 10000,
                                 .eject_max_time_ms = 25000,
                                 .eject_max_percent = 50 };
    struct balancer *b = make(2, NULL, &t);
    struct balancer_events ev;
    struct balancer_view view;
    static const long lengths[] = { 10000, 20000, 25000, 25000 };

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 4; k++) {
        fail_n(b, 0, 2, &ev);
        CU_ASSERT_EQUAL(ev.count, 0);
        fail_n(b, 0, 1, &ev);
        CU_ASSERT_EQUAL_FATAL(ev.count, 1);
        CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
        CU_ASSERT_EQUAL(ev.ev[0].a, 3);
        CU_ASSERT_EQUAL(ev.ev[0].b, lengths[k]);
        CU_ASSERT_EQUAL(ev.ev[0].c, k + 1);
        /* Ejected until the time is over, not a millisecond less. */
        fake_now += (uint64_t)lengths[k] - 1;
        CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 2, &view, NULL, &ev), -1);
        CU_ASSERT_EQUAL(view.cand[0].state, BALANCER_CAND_EJECTED);
        CU_ASSERT_EQUAL(ev.count, 0);
        fake_now += 1;
        /* A snapshot does not take the restore (nor its line) away. */
        {
            struct balancer_stats rows[BALANCER_MAX_BACKENDS];

            balancer_snapshot(b, rows);
            CU_ASSERT_TRUE(rows[0].ejected);
            CU_ASSERT_EQUAL(rows[0].ejections, (uint64_t)k + 1);
        }
        CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 2, &view, NULL, &ev), 0);
        CU_ASSERT_EQUAL(ev.count, 1);
        CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_RESTORED);
        CU_ASSERT_EQUAL(ev.ev[0].c, k + 1);
        release(b, 0, BALANCER_RELEASE_OK, &ev);
        CU_ASSERT_EQUAL(ev.count, 0);
    }
    /* A first byte ends the streak and the row: back to the base time. */
    fail_n(b, 0, 2, &ev);
    balancer_first_byte(b, 0);
    fail_n(b, 0, 2, &ev);
    CU_ASSERT_EQUAL(ev.count, 0);
    fail_n(b, 0, 1, &ev);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
    CU_ASSERT_EQUAL(ev.ev[0].b, 10000);
    CU_ASSERT_EQUAL(ev.ev[0].c, 1);
    balancer_destroy(b);
}

/* OK releases are not failures; each failure kind is. */
static void test_eject_kinds(void)
{
    static const enum balancer_release_kind kinds[] = {
        BALANCER_RELEASE_CONNECT_FAILED, BALANCER_RELEASE_EARLY_CLOSE,
        BALANCER_RELEASE_SILENT_CLOSE, BALANCER_RELEASE_BACKEND_RESET
    };
    struct balancer_tuning t = { .eject_after = 2, .eject_time_ms = 1000,
                                 .eject_max_time_ms = 1000,
                                 .eject_max_percent = 50 };

    for (size_t k = 0; k < 4; k++) {
        struct balancer *b = make(2, NULL, &t);
        struct balancer_events ev;
        struct balancer_stats rows[BALANCER_MAX_BACKENDS];

        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        for (int n = 0; n < 5; n++) {
            balancer_pick(b, 2, NULL);
            release(b, 0, BALANCER_RELEASE_OK, &ev);
            CU_ASSERT_EQUAL(ev.count, 0);
        }
        balancer_pick(b, 2, NULL);
        release(b, 0, kinds[k], &ev);
        CU_ASSERT_EQUAL(ev.count, 0);
        balancer_pick(b, 2, NULL);
        release(b, 0, kinds[k], &ev);
        CU_ASSERT_EQUAL(find_ev(&ev, BALANCER_EV_EJECTED), 0);
        balancer_snapshot(b, rows);
        CU_ASSERT_TRUE(rows[0].ejected);
        CU_ASSERT_EQUAL(rows[0].ejections, 1);
        balancer_destroy(b);
    }
}

static void test_eject_max_share(void)
{
    struct balancer_tuning t = { .eject_after = 1, .eject_time_ms = 1000,
                                 .eject_max_time_ms = 1000,
                                 .eject_max_percent = 50 };
    struct balancer *b = make(4, NULL, &t);
    struct balancer_events ev;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    fail_n(b, 0, 1, &ev);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
    fail_n(b, 1, 1, &ev);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
    fail_n(b, 2, 1, &ev);
    CU_ASSERT_EQUAL_FATAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECT_SKIPPED);
    CU_ASSERT_EQUAL(ev.ev[0].a, 1);
    CU_ASSERT_EQUAL(ev.ev[0].b, 2);
    CU_ASSERT_EQUAL(ev.ev[0].c, 2);
    CU_ASSERT_STRING_EQUAL(look(b), "b1:0/ejected b2:0/ejected b3:0/tried "
                           "b4:0/tried");
    balancer_destroy(b);

    /* 2 backends at 10 %: still one may go, not two. */
    t.eject_max_percent = 10;
    b = make(2, NULL, &t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    fail_n(b, 0, 1, &ev);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
    fail_n(b, 1, 1, &ev);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECT_SKIPPED);
    CU_ASSERT_EQUAL(ev.ev[0].c, 1);
    /* Restored: room for the other one. */
    fake_now += 1000;
    balancer_pick_or_queue(b, ~(uint64_t)0, NULL, NULL, &ev);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_RESTORED);
    CU_ASSERT_EQUAL(ev.ev[0].index, 0);
    fail_n(b, 1, 1, &ev);
    CU_ASSERT_EQUAL(ev.count, 1);
    CU_ASSERT_EQUAL(ev.ev[0].kind, BALANCER_EV_EJECTED);
    CU_ASSERT_EQUAL(ev.ev[0].index, 1);
    balancer_destroy(b);
}

/* --- queue --------------------------------------------------------------- */

struct served_log {
    int order[64];
    int count;
};

static struct served_log served;

static void note_ready(struct balancer_waiter *w)
{
    served.order[served.count++] = (int)w->sid;
}

static void waiter_init(struct balancer_waiter *w, uint64_t sid)
{
    memset(w, 0, sizeof(*w));
    w->sid = sid;
    w->ready = note_ready;
}

static void test_queue_fifo(void)
{
    static const int maxconn[] = { 1, 1 };
    struct balancer_tuning t = { .queue_max = 3 };
    struct balancer *b = make(2, maxconn, &t);
    struct balancer_waiter w[5];
    struct balancer_view view;
    struct balancer_events ev;
    uint64_t release_seq;
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    memset(&served, 0, sizeof(served));
    for (int k = 0; k < 5; k++)
        waiter_init(&w[k], (uint64_t)k + 10);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w[0], &ev), 0);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w[1], &ev), 1);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w[2], &ev),
                    BALANCER_QUEUED);
    CU_ASSERT_EQUAL(view.queue_depth, 1);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w[3], &ev),
                    BALANCER_QUEUED);
    CU_ASSERT_EQUAL(view.queue_depth, 2);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w[4], &ev),
                    BALANCER_QUEUED);
    CU_ASSERT_EQUAL(view.queue_depth, 3);
    /* Full: refused, depth shown. */
    {
        struct balancer_waiter extra;

        waiter_init(&extra, 99);
        CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &extra, &ev), -1);
        CU_ASSERT_EQUAL(view.queue_depth, 3);
    }
    CU_ASSERT_EQUAL(balancer_queue_depth(b), 3);
    /* A release serves the head, before it returns. */
    balancer_release_ev(b, 1, BALANCER_RELEASE_OK, &change, &ev);
    release_seq = change.seq;
    CU_ASSERT_EQUAL(served.count, 1);
    CU_ASSERT_EQUAL(served.order[0], 12);
    CU_ASSERT_EQUAL(w[2].index, 1);
    CU_ASSERT_EQUAL(w[2].view.seq, release_seq + 1);
    CU_ASSERT_EQUAL(w[2].view.queue_depth, 2);
    CU_ASSERT_STRING_EQUAL(cand(b, &w[2].view), "b1:1/full b2:0/up");
    CU_ASSERT_FALSE(w[2].queued);
    /* Cancel the tail while queued: gone, depth 1. */
    {
        uint64_t seq = 0;
        size_t depth = 9;

        CU_ASSERT_EQUAL(balancer_cancel_wait(b, &w[4], &seq, &depth), 1);
        CU_ASSERT(seq > w[2].view.seq);
        CU_ASSERT_EQUAL(depth, 1);
        /* Once served, cancel says so. */
        CU_ASSERT_EQUAL(balancer_cancel_wait(b, &w[2], &seq, &depth), 0);
    }
    balancer_release_ev(b, 0, BALANCER_RELEASE_OK, &change, &ev);
    CU_ASSERT_EQUAL(served.count, 2);
    CU_ASSERT_EQUAL(served.order[1], 13);
    CU_ASSERT_EQUAL(w[3].index, 0);
    CU_ASSERT_EQUAL(balancer_queue_depth(b), 0);
    balancer_release_ev(b, 0, BALANCER_RELEASE_OK, &change, &ev);
    CU_ASSERT_EQUAL(served.count, 2);
    balancer_destroy(b);
}

/* Not queued when something is down or tried rather than full, nor
 * without a queue. */
static void test_queue_only_full(void)
{
    static const int maxconn[] = { 1, 0 };
    struct balancer_tuning t = { .queue_max = 3 };
    struct balancer *b = make(2, maxconn, &t);
    struct balancer_waiter w;
    struct balancer_view view;
    struct balancer_change change;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    waiter_init(&w, 1);
    balancer_check_result(b, 1, false, 1, 1, &change);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 1, &view, &w, NULL), -1);
    CU_ASSERT_EQUAL(view.queue_depth, 0);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w, NULL),
                    BALANCER_QUEUED);
    balancer_destroy(b);
    b = make(2, maxconn, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    balancer_check_result(b, 1, false, 1, 1, &change);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w, NULL), 0);
    CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, &view, &w, NULL), -1);
    balancer_destroy(b);
}

/* More room, or a backend back, serves several waiters, in order. */
static void test_queue_served_by_changes(void)
{
    static const int maxconn[] = { 1 };
    struct balancer_tuning t = { .queue_max = 10 };
    struct balancer *b = make(1, maxconn, &t);
    struct balancer_waiter w[6];
    struct balancer_events ev;
    struct balancer_backend_spec spec;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    memset(&served, 0, sizeof(served));
    CU_ASSERT_EQUAL(balancer_pick(b, 0, NULL), 0);
    for (int k = 0; k < 6; k++) {
        waiter_init(&w[k], (uint64_t)k);
        CU_ASSERT_EQUAL(balancer_pick_or_queue(b, 0, NULL, &w[k], NULL),
                        BALANCER_QUEUED);
    }
    CU_ASSERT_EQUAL(balancer_set_maxconn(b, 0, 3, &ev), 0);
    CU_ASSERT_EQUAL(served.count, 2);
    CU_ASSERT_EQUAL(served.order[0], 0);
    CU_ASSERT_EQUAL(served.order[1], 1);
    CU_ASSERT(w[1].view.seq == w[0].view.seq + 1);
    CU_ASSERT(w[0].view.seq > ev.ev[0].seq);
    make_spec(&spec, "b2", 9100, 1, 2);
    CU_ASSERT_EQUAL(balancer_add(b, &spec, &ev), 1);
    CU_ASSERT_EQUAL(served.count, 4);
    CU_ASSERT_EQUAL(served.order[2], 2);
    CU_ASSERT_EQUAL(served.order[3], 3);
    CU_ASSERT_EQUAL(w[2].index, 1);
    CU_ASSERT_EQUAL(w[3].index, 1);
    /* Disabled backend freed: not served; enabled: served. */
    balancer_set_admin(b, 1, BALANCER_DISABLED, &ev);
    {
        struct balancer_change change;

        balancer_release_ev(b, 1, BALANCER_RELEASE_OK, &change, &ev);
    }
    CU_ASSERT_EQUAL(served.count, 4);
    balancer_set_admin(b, 1, BALANCER_READY, &ev);
    CU_ASSERT_EQUAL(served.count, 5);
    CU_ASSERT_EQUAL(served.order[4], 4);
    balancer_destroy(b);
}

/*
 * Threads that pick (queueing when full) and release at once: every
 * queued session is served by someone's release and woken (a condition
 * variable per waiter stands for the worker's mailbox), none is lost, and
 * the counts end at 0. Run under make tsan for the locking.
 */
#define Q_THREADS 6
#define Q_ROUNDS 3000

struct q_waiter {
    struct balancer_waiter w;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool ready;
};

static void q_ready(struct balancer_waiter *w)
{
    struct q_waiter *q = (struct q_waiter *)w->owner;

    pthread_mutex_lock(&q->lock);
    q->ready = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

struct q_arg {
    struct balancer *b;
    int queued;
    int lost;
};

static void *q_thread(void *p)
{
    struct q_arg *arg = p;
    struct q_waiter q;

    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.cond, NULL);
    for (int k = 0; k < Q_ROUNDS; k++) {
        struct balancer_change change;
        int index;

        memset(&q.w, 0, sizeof(q.w));
        q.w.ready = q_ready;
        q.w.owner = &q;
        q.ready = false;
        index = balancer_pick_or_queue(arg->b, 0, NULL, &q.w, NULL);
        if (index == BALANCER_QUEUED) {
            struct timespec until;

            arg->queued++;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 5;
            pthread_mutex_lock(&q.lock);
            while (!q.ready &&
                   pthread_cond_timedwait(&q.cond, &q.lock, &until) == 0)
                ;
            pthread_mutex_unlock(&q.lock);
            if (!q.ready) {
                arg->lost++;
                break;
            }
            index = q.w.index;
        }
        if (index < 0)
            continue;
        sched_yield();          /* held a moment: others find it full */
        balancer_release(arg->b, (size_t)index, BALANCER_RELEASE_OK, &change);
    }
    pthread_cond_destroy(&q.cond);
    pthread_mutex_destroy(&q.lock);
    return NULL;
}

static void test_queue_threads(void)
{
    static const int maxconn[] = { 1, 2 };
    struct balancer_tuning t = { .queue_max = Q_THREADS };
    struct balancer *b = make(2, maxconn, &t);
    pthread_t threads[Q_THREADS];
    struct q_arg args[Q_THREADS];
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    int queued = 0, lost = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int i = 0; i < Q_THREADS; i++) {
        args[i] = (struct q_arg){ .b = b };
        CU_ASSERT_EQUAL_FATAL(pthread_create(&threads[i], NULL, q_thread,
                                             &args[i]), 0);
    }
    for (int i = 0; i < Q_THREADS; i++) {
        pthread_join(threads[i], NULL);
        queued += args[i].queued;
        lost += args[i].lost;
    }
    CU_ASSERT(queued > 0);
    CU_ASSERT_EQUAL(lost, 0);
    balancer_snapshot(b, rows);
    CU_ASSERT_EQUAL(rows[0].active, 0);
    CU_ASSERT_EQUAL(rows[1].active, 0);
    CU_ASSERT_EQUAL(rows[0].picks + rows[1].picks,
                    (uint64_t)Q_THREADS * Q_ROUNDS);
    CU_ASSERT_EQUAL(balancer_queue_depth(b), 0);
    balancer_destroy(b);
}

/* --- log lines ----------------------------------------------------------- */

static void test_log_lines(void)
{
    struct balancer_tuning t = { .slowstart_ms = 500, .eject_after = 1,
                                 .eject_time_ms = 2000,
                                 .eject_max_time_ms = 9000,
                                 .eject_max_percent = 50 };
    struct balancer *b = make(2, NULL, &t);
    struct log_capture *lc = calloc(1, sizeof(*lc));
    struct balancer_backend_spec spec;
    struct balancer_events ev;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lc);
    CU_ASSERT_EQUAL_FATAL(log_capture_open(lc, LOG_DEBUG), 0);
    balancer_set_admin(b, 0, BALANCER_DRAINING, &ev);
    balancer_log_events(b, &lc->log, &ev, "control");
    balancer_set_admin(b, 0, BALANCER_READY, &ev);
    balancer_log_events(b, &lc->log, &ev, "reload");
    balancer_set_weight(b, 1, 4, &ev);
    balancer_log_events(b, &lc->log, &ev, "control");
    balancer_set_maxconn(b, 1, 7, &ev);
    balancer_log_events(b, &lc->log, &ev, "control");
    make_spec(&spec, "b3", 9102, 2, 3);
    balancer_add(b, &spec, &ev);
    balancer_log_events(b, &lc->log, &ev, "reload");
    fail_n(b, 1, 1, &ev);
    balancer_log_events(b, &lc->log, &ev, "x");
    fail_n(b, 2, 1, &ev);
    balancer_log_events(b, &lc->log, &ev, "x");
    balancer_set_admin(b, 2, BALANCER_DISABLED, &ev);
    balancer_remove(b, 2, &ev);
    balancer_log_events(b, &lc->log, &ev, "control");
    log_capture_wait(lc, "ev=backend_removed", 1, 2000);
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=admin be=b1 seq=1 "
                                  "admin=draining by=control active=0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=drained be=b1 seq=2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=admin be=b1 seq=3 "
                                  "admin=ready by=reload active=0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=slowstart be=b1 seq=4 "
                                  "ms=500 weight=1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=weight be=b2 seq=5 weight=4 "
                                  "was=1 by=control\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=maxconn be=b2 seq=6 "
                                  "maxconn=7 was=0 by=control\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=backend_added be=b3 seq=7 "
                                  "addr=127.0.0.1:9102 weight=2 maxconn=3 "
                                  "by=reload\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=slowstart be=b3 seq=8 "
                                  "ms=500 weight=2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=ejected be=b2 seq=11 "
                                  "failures=1 ms=2000 ejections=1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=eject_skipped be=b3 seq=14 "
                                  "failures=1 ejected=1 max=1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=backend_removed be=b3 "
                                  "seq=16 by=control\n"));
    fake_now += 2000;
    balancer_pick_or_queue(b, 0, NULL, NULL, &ev);
    balancer_log_events(b, &lc->log, &ev, "x");
    log_capture_wait(lc, "ev=restored", 1, 2000);
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=restored be=b2 seq=17 "
                                  "ejections=1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(lc->text, "ev=slowstart be=b2 seq=18 "
                                  "ms=500 weight=4\n"));
    log_capture_close(lc);
    free(lc);
    balancer_destroy(b);
}

/* --- config --------------------------------------------------------------- */

/* config_parse over the defaults with argv (argc given, NULL ended). */
static enum config_result parse_args(struct config *cfg, char **argv, int argc,
                                     char *err)
{
    FILE *out = fopen("/dev/null", "w");
    enum config_result r;

    config_defaults(cfg);
    r = config_parse(cfg, argc, argv, out, err, CONFIG_ERR_MAX);
    if (out != NULL)
        fclose(out);
    return r;
}

static void test_config_options(void)
{
    static const char text[] =
        "slowstart 2s\n"
        "eject-after 3\n"
        "eject-time 1s\n"
        "eject-max-time 1m\n"
        "eject-max-percent 25\n"
        "queue 7\n"
        "queue-timeout 250ms\n"
        "backend a=127.0.0.1:7000,slowstart=500ms\n"
        "backend b=127.0.0.1:7001,weight=2\n";
    char path[] = "/tmp/test_balancer_ops_XXXXXX", err[CONFIG_ERR_MAX];
    struct config cfg;
    int fd;

    config_defaults(&cfg);
    CU_ASSERT_EQUAL(cfg.tuning.slowstart_ms, 0);
    CU_ASSERT_EQUAL(cfg.tuning.eject_after, 0);
    CU_ASSERT_EQUAL(cfg.tuning.eject_time_ms, 10000);
    CU_ASSERT_EQUAL(cfg.tuning.eject_max_time_ms, 300000);
    CU_ASSERT_EQUAL(cfg.tuning.eject_max_percent, 50);
    CU_ASSERT_EQUAL(cfg.tuning.queue_max, 0);
    CU_ASSERT_EQUAL(cfg.tuning.queue_timeout_ms, 5000);
    CU_ASSERT_EQUAL(cfg.backends[0].slowstart_ms, -1);
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, text, sizeof(text) - 1),
                    (ssize_t)sizeof(text) - 1);
    close(fd);
    CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), 0);
    unlink(path);
    CU_ASSERT_EQUAL(cfg.tuning.slowstart_ms, 2000);
    CU_ASSERT_EQUAL(cfg.tuning.eject_after, 3);
    CU_ASSERT_EQUAL(cfg.tuning.eject_time_ms, 1000);
    CU_ASSERT_EQUAL(cfg.tuning.eject_max_time_ms, 60000);
    CU_ASSERT_EQUAL(cfg.tuning.eject_max_percent, 25);
    CU_ASSERT_EQUAL(cfg.tuning.queue_max, 7);
    CU_ASSERT_EQUAL(cfg.tuning.queue_timeout_ms, 250);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    CU_ASSERT_EQUAL(cfg.backends[0].slowstart_ms, 500);
    CU_ASSERT_EQUAL(cfg.backends[1].slowstart_ms, -1);
    CU_ASSERT_EQUAL(cfg.backends[1].weight, 2);
    {
        char a0[] = "proxy_server", a1[] = "--queue", a2[] = "12",
             a3[] = "--eject-after", a4[] = "5", a5[] = "-b",
             a6[] = "x=127.0.0.1:1,slowstart=0,maxconn=2";
        char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };

        CU_ASSERT_EQUAL(parse_args(&cfg, argv, 7, err), CONFIG_RUN);
        CU_ASSERT_EQUAL(cfg.tuning.queue_max, 12);
        CU_ASSERT_EQUAL(cfg.tuning.eject_after, 5);
        CU_ASSERT_EQUAL(cfg.backends[0].slowstart_ms, 0);
        CU_ASSERT_EQUAL(cfg.backends[0].maxconn, 2);
    }
    {
        char a0[] = "proxy_server", a1[] = "--eject-max-percent",
             a2[] = "101";
        char *argv[] = { a0, a1, a2, NULL };

        CU_ASSERT_EQUAL(parse_args(&cfg, argv, 3, err), CONFIG_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "--eject-max-percent '101'"));
    }
    {
        char a0[] = "proxy_server", a1[] = "--queue", a2[] = "-1";
        char *argv[] = { a0, a1, a2, NULL };

        CU_ASSERT_EQUAL(parse_args(&cfg, argv, 3, err), CONFIG_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "--queue"));
    }
    {
        char a0[] = "proxy_server", a1[] = "-b",
             a2[] = "127.0.0.1:1,slowstart=1s,slowstart=2s";
        char *argv[] = { a0, a1, a2, NULL };

        CU_ASSERT_EQUAL(parse_args(&cfg, argv, 3, err), CONFIG_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "slowstart is given twice"));
    }
    {
        char a0[] = "proxy_server", a1[] = "-b",
             a2[] = "127.0.0.1:1,slowstart=2h";
        char *argv[] = { a0, a1, a2, NULL };

        CU_ASSERT_EQUAL(parse_args(&cfg, argv, 3, err), CONFIG_ERROR);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "slowstart"));
    }
}

static CU_TestInfo balancer_ops_tests[] = {
    { "admin: disabled/draining never picked, drained once",
      test_admin_states },
    { "cand states: precedence", test_state_precedence },
    { "find, add, remove: slots never reused", test_find_add_remove },
    { "set weight and maxconn", test_weight_maxconn },
    { "effective weight: /w3, /w0.37, /w2.50", test_ew_format },
    { "slow start: the ramp on a fake clock", test_slowstart_ramp },
    { "slow start: picks follow the effective weight", test_slowstart_share },
    { "slow start: added, up again, restored", test_slowstart_starts },
    { "queue: FIFO, served by the release, full, cancel", test_queue_fifo },
    { "queue: only when every eligible backend is full",
      test_queue_only_full },
    { "queue: more room serves several in order",
      test_queue_served_by_changes },
    { "queue: threads queueing and releasing lose no waiter",
      test_queue_threads },
    { "log lines of every event", test_log_lines },
    { "config: options, file lines, defaults, errors", test_config_options },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(balancer_ops, balancer_ops_tests)

/* Ejection and restoration alone (count_failure, restore_due), a suite of
 * its own so that lab 6 grades them apart from the rest. */
static CU_TestInfo ejection_tests[] = {
    { "ejection: k-th in a row lasts k*base, capped; first byte resets",
      test_eject_growth },
    { "ejection: which releases are failures", test_eject_kinds },
    { "ejection: max share, eject_skipped", test_eject_max_share },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(ejection, ejection_tests)
