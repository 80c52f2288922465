/*
 * balancer: the backends and the choice among them (least connections).
 *
 * One balancer is shared by every worker thread. All its mutable state (each
 * backend's active count, up/down state, check streaks, the rotation point
 * and the decision counter) is guarded by one mutex, so a pick and the
 * increment it implies are a single atomic step: two threads can never both
 * see "b1 has 0" and both take it. Backends live in slots whose index never
 * changes: a backend added while running takes a new slot, a removed one
 * keeps its slot (marked removed, never a candidate again), so an index
 * held by a session stays valid. A slot's name and address are fixed for
 * its life and may be read without the lock (balancer_spec); its weight,
 * maxconn, admin state and everything else change at run time and are
 * read under the lock (balancer_snapshot).
 *
 * Beyond up/down (health checks), a backend has an admin state (ready,
 * disabled, draining: set by the operator), may be ejected for a while
 * after consecutive failures (outlier ejection), and ramps its weight up
 * after coming back (slow start). A session that finds every eligible
 * backend full (maxconn) may wait in the balancer's queue; a release that
 * frees a slot serves the head of the queue in the same critical section.
 *
 * Every change of balancer state gets a sequence number (seq) under the
 * lock. Log lines are written after the lock is dropped, so they may reach
 * the log out of order; sorting them by seq replays the exact order in which
 * the balancer saw them (the harness does this).
 *
 *     worker threads ──pick/release──┐
 *     health thread ──check result───┼──► [ mutex | backends[] | seq | queue ]
 *     control ──set/add/remove───────┤
 *     main thread (stats) ──snapshot─┘
 *
 * Functions that change state fill a struct balancer_events with what
 * happened (each with its seq); the caller logs it with
 * balancer_log_events() after the call, outside the lock.
 */
#ifndef BALANCER_H
#define BALANCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "net.h"

/* Slots per balancer. The proxy keeps 64: a struct balancer_view (on
 * the stack of every pick) and the tried mask of a session are sized by
 * it. The simulator (sim/) compiles this module again with a larger value;
 * above 64, slots from 64 on can never be marked tried. */
#ifndef BALANCER_MAX_BACKENDS
#define BALANCER_MAX_BACKENDS 64
#endif
#define BALANCER_NAME_MAX 32

enum balancer_policy {
    BALANCER_LEASTCONN,
    BALANCER_ROUNDROBIN,
    BALANCER_RANDOM,
    BALANCER_P2C            /* power of two choices */
};

/* The operator's say on a backend (independent of health and ejection). */
enum balancer_admin {
    BALANCER_READY,         /* takes new sessions */
    BALANCER_DISABLED,      /* no new sessions */
    BALANCER_DRAINING       /* no new sessions; "drained" once none is left */
};

/* How a backend looked to one decision. When several hold, the first in
 * this precedence is shown: disabled, draining, down, ejected, tried,
 * full, up. Only up is eligible. */
enum balancer_cand_state {
    BALANCER_CAND_UP,       /* eligible */
    BALANCER_CAND_DOWN,     /* marked down */
    BALANCER_CAND_FULL,     /* at its maxconn */
    BALANCER_CAND_TRIED,    /* this session already failed on it */
    BALANCER_CAND_DISABLED, /* admin disabled */
    BALANCER_CAND_DRAINING, /* admin draining */
    BALANCER_CAND_EJECTED,  /* ejected after consecutive failures */
    BALANCER_CAND_REMOVED   /* slot of a removed backend: never shown */
};

/* A backend as configured (or added). */
struct balancer_backend_spec {
    char name[BALANCER_NAME_MAX];
    struct net_addr addr;
    int weight;             /* 1..256 as configured; in the balancer's
                             * spec[], the effective weight in hundredths
                             * (balancer.c) */
    int maxconn;            /* 0 = no limit */
    long slowstart_ms;      /* ramp after coming back; -1: the default
                             * (balancer_tuning.slowstart_ms), 0: none */
};

/* Run-time behaviour beyond the policy; all off when zeroed. */
struct balancer_tuning {
    long slowstart_ms;          /* default ramp length; 0: no slow start */
    int eject_after;            /* consecutive failures that eject; 0: off */
    long eject_time_ms;         /* the k-th ejection in a row lasts k times
                                 * this... */
    long eject_max_time_ms;     /* ...but never longer than this */
    int eject_max_percent;      /* of the backends that may be ejected at
                                 * once (at least one may always be) */
    int queue_max;              /* sessions that may wait; 0: no queue */
    long queue_timeout_ms;      /* how long one may wait (the worker's
                                 * timer; the balancer does not use it) */
    /* Milliseconds of a monotonic clock, read once per decision and only
     * when slow start or ejection is configured. NULL: clock_now_ms.
     * Tests pass a fake one. */
    uint64_t (*clock_ms)(void);
};

/* The counts and states one pick was made from, copied under the lock. */
struct balancer_view {
    uint64_t seq;
    size_t count;
    size_t queue_depth;     /* sessions waiting after this decision */
    bool queue_full;        /* refused because the queue was full */
    /* p2c: the backends sampled, in the order drawn (the second is -1
     * when only one was eligible); both -1 for the other policies. */
    int sampled[2];
    /* What the policy answered when that was no eligible backend (the
     * pick then returned -1); -1 when it was not refused. */
    int refused;
    struct {
        int active;
        enum balancer_cand_state state;
        int ew;             /* effective weight in hundredths */
    } cand[BALANCER_MAX_BACKENDS];
};

/* Something that changed in the balancer, to be logged by the caller. */
enum balancer_event_kind {
    BALANCER_EV_ADMIN,          /* a: new admin, b: active */
    BALANCER_EV_DRAINED,        /* a draining backend reached 0 active */
    BALANCER_EV_WEIGHT,         /* a: weight, b: previous */
    BALANCER_EV_MAXCONN,        /* a: maxconn, b: previous */
    BALANCER_EV_ADDED,          /* a: weight, b: maxconn */
    BALANCER_EV_REMOVED,
    BALANCER_EV_SLOWSTART,      /* a: ramp ms, b: weight */
    BALANCER_EV_EJECTED,        /* a: failures, b: ms, c: ejections */
    BALANCER_EV_EJECT_SKIPPED,  /* a: failures, b: ejected now, c: max */
    BALANCER_EV_RESTORED        /* c: ejections */
};

struct balancer_event {
    uint64_t seq;
    enum balancer_event_kind kind;
    int index;
    long a, b, c;
};

/* Enough for any one call: a restore and a ramp per backend, and a few. */
#define BALANCER_MAX_EVENTS (2 * BALANCER_MAX_BACKENDS + 4)

struct balancer_events {
    size_t count;
    struct balancer_event ev[BALANCER_MAX_EVENTS];
};

/*
 * A session waiting for a backend (see balancer_pick_or_queue). The caller
 * allocates it and fills sid, tried, ready and owner; the balancer links
 * it into its queue. When a release (or any change that frees room) serves
 * it, the balancer picks a backend for it in that same critical section
 * (index, view), then, after dropping the lock, calls ready(waiter) once
 * on the serving thread: ready must hand it to the owner without blocking
 * for long (a mailbox), and must not touch the balancer's lock.
 */
struct balancer_waiter {
    uint64_t sid;
    uint64_t tried;
    void (*ready)(struct balancer_waiter *waiter);
    void *owner;                /* for ready(); the balancer ignores it */
    void *session;              /* the owner's; the balancer ignores it */
    struct balancer_waiter *mail_next;  /* the owner's mailbox link */
    uint64_t queued_ms;         /* the owner's clock when queued */
    /* The balancer's, under its lock. */
    struct balancer_waiter *prev, *next;
    bool queued;
    /* Set when served; read by the owner after ready(). */
    int index;
    struct balancer_view view;
};

/* balancer_pick_or_queue's answer when the session was queued. */
#define BALANCER_QUEUED (-2)

/* How a pick ended, as balancer_release counts it. */
enum balancer_release_kind {
    BALANCER_RELEASE_OK,                /* the session ran, however it ended */
    BALANCER_RELEASE_CONNECT_FAILED,    /* the connect failed */
    BALANCER_RELEASE_EARLY_CLOSE,       /* the backend closed it before
                                         * sending a byte, after the client
                                         * had sent some */
    BALANCER_RELEASE_SILENT_CLOSE,      /* the backend closed it before
                                         * sending a byte, the client having
                                         * sent none */
    BALANCER_RELEASE_BACKEND_RESET      /* the backend reset it after its
                                         * first byte */
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

/* One row of the stats table: one slot's state, copied under the lock. */
struct balancer_stats {
    bool up;
    int active;
    uint64_t picks;
    uint64_t failures;
    bool removed;           /* the slot of a removed backend */
    enum balancer_admin admin;
    bool ejected;
    int weight;             /* as set (1..256) */
    int ew;                 /* effective weight in hundredths */
    int maxconn;            /* 0: no limit */
    uint64_t ejections;     /* since start */
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

/* Parses "leastconn", "roundrobin", "random" or "p2c". Returns 0 or -1. */
int balancer_policy_parse(const char *text, enum balancer_policy *out);
const char *balancer_policy_name(enum balancer_policy policy);
const char *balancer_cand_state_name(enum balancer_cand_state state);

/*
 * Sets what struct balancer_tuning describes. Call before any other thread
 * uses the balancer (the values are then read without the lock).
 */
void balancer_tune(struct balancer *balancer,
                   const struct balancer_tuning *tuning);

const char *balancer_admin_name(enum balancer_admin admin);

/* Slots in use so far (removed ones included); any thread. */
size_t balancer_count(const struct balancer *balancer);

/*
 * The slot's backend as created or added: its name and address are fixed
 * for the slot's life and may be read without the lock. Its weight and
 * maxconn are those it started with; the current ones are in
 * balancer_snapshot.
 */
const struct balancer_backend_spec *balancer_spec(const struct balancer *balancer,
                                                  size_t index);

/* The slot of the backend called name (removed ones are not found), or
 * -1. */
int balancer_find(struct balancer *balancer, const char *name);

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
 * balancer_pick, and more: events (if not NULL) gets what the decision
 * noticed first (ejections that ended, and the ramps they start). When no
 * backend is eligible only because every eligible one is full, and a
 * queue is configured, waiter (if not NULL; its tried is set to tried
 * here) joins the tail of the queue: returns BALANCER_QUEUED, with
 * view->queue_depth the depth counting it. With the queue at its limit,
 * returns -1 with view->queue_depth the full depth (else 0).
 */
int balancer_pick_or_queue(struct balancer *balancer, uint64_t tried,
                           struct balancer_view *view,
                           struct balancer_waiter *waiter,
                           struct balancer_events *events);

/*
 * Takes a queued waiter out of the queue. Returns 1 when it was still
 * queued (it is no longer: *seq is a decision number for its leaving,
 * *depth the queue's depth afterwards), 0 when it was served already
 * (its ready() was or will be called, and index holds a pick to release).
 */
int balancer_cancel_wait(struct balancer *balancer,
                         struct balancer_waiter *waiter, uint64_t *seq,
                         size_t *depth);

/*
 * Ends one pick of backend index: decrements its active count exactly once.
 * Every kind but OK also counts a failure of the backend;
 * a failed connect with passive_down marks it down too. An early close
 * never changes the up/down state: one such session does not prove the
 * backend dead; with --eject-after, consecutive failures eject it for a
 * while instead. Fills *change.
 */
void balancer_release(struct balancer *balancer, size_t index,
                      enum balancer_release_kind kind,
                      struct balancer_change *change);

/*
 * balancer_release, and more: events (if not NULL) gets the drain,
 * ejection and restores this release caused or noticed. A freed slot
 * serves the queue's head in the same critical section.
 */
void balancer_release_ev(struct balancer *balancer, size_t index,
                         enum balancer_release_kind kind,
                         struct balancer_change *change,
                         struct balancer_events *events);

/*
 * The backend sent its first byte to a client: it works, so its streak of
 * consecutive failures (for ejection) starts again, and so does the count
 * of its ejections in a row. Does nothing (and takes no lock) unless
 * ejection is configured.
 */
void balancer_first_byte(struct balancer *balancer, size_t index);

/*
 * Records one active health-check result. rise consecutive successes bring a
 * down backend up; fall consecutive failures take an up backend down.
 * Fills *change; went_up/went_down tell whether the state changed.
 */
void balancer_check_result(struct balancer *balancer, size_t index, bool ok,
                           int rise, int fall, struct balancer_change *change);

/* balancer_check_result, and more: events (if not NULL) gets the ramp a
 * backend that came up starts. */
void balancer_check_result_ev(struct balancer *balancer, size_t index,
                              bool ok, int rise, int fall,
                              struct balancer_change *change,
                              struct balancer_events *events);

/*
 * The operator's changes. Each takes a seq under the lock for each event
 * it fills into *events (never NULL). A change to the value the backend
 * already has is no change and fills no event. They return 0, or -1 with
 * errno: ENOENT for a removed slot or an index out of range, EINVAL for a
 * value out of range.
 *
 * set_admin: READY after DISABLED/DRAINING starts a ramp (slow start);
 * DRAINING with no active session is drained at once.
 */
int balancer_set_admin(struct balancer *balancer, size_t index,
                       enum balancer_admin admin,
                       struct balancer_events *events);

/* weight: 1..256. */
int balancer_set_weight(struct balancer *balancer, size_t index, int weight,
                        struct balancer_events *events);

/* maxconn: 0 (no limit) .. 10,000,000. A larger limit serves waiters. */
int balancer_set_maxconn(struct balancer *balancer, size_t index,
                         int maxconn, struct balancer_events *events);

/*
 * Adds a backend in a new slot, up and ready (ramping up when slow start
 * applies to it). Returns its index, or -1 with errno: EEXIST when the
 * name is in use, ENOSPC when every slot was used, EINVAL for a bad
 * weight or maxconn.
 */
int balancer_add(struct balancer *balancer,
                 const struct balancer_backend_spec *spec,
                 struct balancer_events *events);

/*
 * Removes a backend: its slot is never a candidate again. Returns 0, or
 * -1 with errno EBUSY unless it is disabled or draining with no active
 * session, ENOENT when already removed.
 */
int balancer_remove(struct balancer *balancer, size_t index,
                    struct balancer_events *events);

/*
 * Logs each event as its "ev=..." line (docs/log-format.md), in order; by
 * is "control" or "reload" for the operator's changes (admin, weight,
 * maxconn, added, removed). Any thread.
 */
void balancer_log_events(const struct balancer *balancer,
                         const struct logger *log,
                         const struct balancer_events *events,
                         const char *by);

/* Sessions waiting in the queue now (a snapshot, any thread). */
size_t balancer_queue_depth(struct balancer *balancer);

/*
 * Copies every slot's state, under the lock, into rows (room for
 * BALANCER_MAX_BACKENDS). Returns the number of slots copied (removed ones
 * included, marked removed).
 */
size_t balancer_snapshot(struct balancer *balancer,
                         struct balancer_stats *rows);

/*
 * Writes an effective weight in hundredths as the cand list shows it:
 * "3" when it is whole, else with two decimals ("0.37", "2.50"). Returns
 * buf.
 */
const char *balancer_ew_format(int ew, char *buf, size_t size);

/*
 * Formats a view as "b1:2/up b2:0/down" (" b3:1/up/w3" when the effective
 * weight is not 1, "/w0.37" during a ramp) into buf, leaving removed slots
 * out. Returns buf.
 */
const char *balancer_view_format(const struct balancer *balancer,
                                 const struct balancer_view *view, char *buf,
                                 size_t size);

/*
 * Writes the p2c samples of a view as the pick line ends with them:
 * " p2c=b1,b3" (" p2c=b1" when one was eligible), or "" when the view
 * has none (other policies). Returns buf.
 */
const char *balancer_p2c_format(const struct balancer *balancer,
                                const struct balancer_view *view, char *buf,
                                size_t size);

#endif
