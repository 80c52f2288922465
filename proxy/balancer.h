/*
 * balancer: the backends and the choice among them (least connections).
 *
 * One balancer is shared by every worker thread. All its mutable state (each
 * backend's active count, up/down state, check streaks, the rotation point
 * and the decision counter) is guarded by one mutex, so a pick and the
 * increment it implies are a single atomic step: two threads can never both
 * see "b1 has 0" and both take it. Names, addresses, weights and maxconn are
 * fixed at creation and may be read without the lock.
 *
 * Every change of balancer state gets a sequence number (seq) under the
 * lock. Log lines are written after the lock is dropped, so they may reach
 * the log out of order; sorting them by seq replays the exact order in which
 * the balancer saw them (the harness does this).
 *
 *     worker threads ──pick/release──┐
 *     health thread ──check result───┼──► [ mutex | backends[] | seq ]
 *     main thread (stats) ──snapshot─┘
 */
#ifndef BALANCER_H
#define BALANCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

#define BALANCER_MAX_BACKENDS 64
#define BALANCER_NAME_MAX 32

enum balancer_policy {
    BALANCER_LEASTCONN,
    BALANCER_ROUNDROBIN,
    BALANCER_RANDOM
};

/* How a backend looked to one decision. */
enum balancer_cand_state {
    BALANCER_CAND_UP,       /* eligible */
    BALANCER_CAND_DOWN,     /* marked down */
    BALANCER_CAND_FULL,     /* at its maxconn */
    BALANCER_CAND_TRIED     /* this session already failed on it */
};

/* A backend as configured. */
struct balancer_backend_spec {
    char name[BALANCER_NAME_MAX];
    struct net_addr addr;
    int weight;             /* 1..256 */
    int maxconn;            /* 0 = no limit */
};

/* The counts and states one pick was made from, copied under the lock. */
struct balancer_view {
    uint64_t seq;
    size_t count;
    struct {
        int active;
        enum balancer_cand_state state;
    } cand[BALANCER_MAX_BACKENDS];
};

/* How a pick ended, as balancer_release counts it. */
enum balancer_release_kind {
    BALANCER_RELEASE_OK,                /* the session ran, however it ended */
    BALANCER_RELEASE_CONNECT_FAILED,    /* the connect failed */
    BALANCER_RELEASE_EARLY_CLOSE        /* the backend closed it before
                                         * sending a byte, after the client
                                         * had sent some */
};

/* The outcome of a release or a health-check result. */
struct balancer_change {
    uint64_t seq;           /* decision number of the release */
    int active;             /* the backend's active count afterwards */
    uint64_t failures;      /* the backend's failure count afterwards */
    bool went_down;         /* the backend was marked down by this event */
    bool went_up;           /* the backend was marked up by this event */
    uint64_t state_seq;     /* decision number of the up/down change */
};

/* One row of the stats table. */
struct balancer_stats {
    bool up;
    int active;
    uint64_t picks;
    uint64_t failures;
};

struct balancer;

/*
 * Creates a balancer over count backends (1..BALANCER_MAX_BACKENDS), all up.
 * passive_down: a failed connect marks the backend down at once (only useful
 * when health checks will bring it back). seed starts the generator of the
 * random policy: the same seed gives the same picks. Returns NULL with
 * errno on error.
 */
struct balancer *balancer_create(const struct balancer_backend_spec *specs,
                                 size_t count, enum balancer_policy policy,
                                 bool passive_down, uint64_t seed);

/* Frees the balancer. No thread may use it any more. */
void balancer_destroy(struct balancer *balancer);

/* Parses "leastconn", "roundrobin" or "random". Returns 0 or -1. */
int balancer_policy_parse(const char *text, enum balancer_policy *out);
const char *balancer_policy_name(enum balancer_policy policy);
const char *balancer_cand_state_name(enum balancer_cand_state state);

size_t balancer_count(const struct balancer *balancer);
const struct balancer_backend_spec *balancer_spec(const struct balancer *balancer,
                                                  size_t index);

/*
 * Chooses a backend for a new session and counts the session as active on
 * it, in one step under the lock. Backends whose bit is set in tried are
 * skipped. Fills *view (if not NULL) with every backend's count and state as
 * seen by this decision (before the increment). Returns the chosen index, or
 * -1 when no backend is eligible (nothing is changed then, but a seq is
 * still used so the refusal can be placed in order).
 */
int balancer_pick(struct balancer *balancer, uint64_t tried,
                  struct balancer_view *view);

/*
 * Ends one pick of backend index: decrements its active count exactly once.
 * A failed connect or an early close also counts a failure of the backend;
 * a failed connect with passive_down marks it down too. An early close
 * never changes the state: one such session does not prove the backend
 * dead (ejecting a backend for it is a passive health check's decision).
 * Fills *change.
 */
void balancer_release(struct balancer *balancer, size_t index,
                      enum balancer_release_kind kind,
                      struct balancer_change *change);

/*
 * Records one active health-check result. rise consecutive successes bring a
 * down backend up; fall consecutive failures take an up backend down.
 * Fills *change; went_up/went_down tell whether the state changed.
 */
void balancer_check_result(struct balancer *balancer, size_t index, bool ok,
                           int rise, int fall, struct balancer_change *change);

/* Copies every backend's counters, under the lock, into rows[0..count). */
void balancer_snapshot(struct balancer *balancer, struct balancer_stats *rows);

/*
 * Formats a view as "b1:2/up b2:0/down" (" b3:1/up/w3" when a weight is not
 * 1) into buf. Returns buf.
 */
const char *balancer_view_format(const struct balancer *balancer,
                                 const struct balancer_view *view, char *buf,
                                 size_t size);

#endif
