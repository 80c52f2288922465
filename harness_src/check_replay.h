/*
 * check_replay: the proxy's balancer rebuilt from its own log.
 *
 * Every backend given to the proxy at its start begins up, ready, with 0
 * active sessions and its scenario weight and maxconn; a standby one
 * begins absent. The seq events of a check_proxy, applied in seq order,
 * move the counts (pick + 1, release - 1), the health states
 * (backend_down, backend_up), the admin states (admin), the settings
 * (weight, maxconn), the slots (backend_added, backend_removed), the
 * ramps (slowstart) and the ejections (ejected, restored) exactly as the
 * proxy's balancer moved them, if the log tells the truth. The checks
 * compare what each pick line claims with this replay.
 *
 * Plain data, no allocation. Single-threaded.
 */
#ifndef CHECK_REPLAY_H
#define CHECK_REPLAY_H

#include <stdbool.h>

#include "check_proxy.h"

/* A slow start's ramp may be seen this much later than the log says (its
 * line is written after the balancer's lock is released). */
#define CHECK_REPLAY_RAMP_SLACK_S 0.1

enum check_replay_admin {
    CHECK_REPLAY_READY, CHECK_REPLAY_DISABLED, CHECK_REPLAY_DRAINING
};

struct check_replay {
    long active[CHECK_PROXY_MAX_NAMES];
    bool down[CHECK_PROXY_MAX_NAMES];
    long peak[CHECK_PROXY_MAX_NAMES];   /* highest active so far */
    bool absent[CHECK_PROXY_MAX_NAMES]; /* standby not added yet, removed */
    enum check_replay_admin admin[CHECK_PROXY_MAX_NAMES];
    bool ejected[CHECK_PROXY_MAX_NAMES];
    long weight[CHECK_PROXY_MAX_NAMES];
    long maxconn[CHECK_PROXY_MAX_NAMES];    /* 0: no limit */
    double ramp_ts[CHECK_PROXY_MAX_NAMES];  /* last slowstart line's ts */
    long ramp_ms[CHECK_PROXY_MAX_NAMES];    /* 0: never ramped */
    const struct trace_event *changed[CHECK_PROXY_MAX_NAMES];  /* the last
                                           event that changed its state */
};

/* Every backend up with 0 active, weight 1, no limit, present. */
void check_replay_init(struct check_replay *replay);

/* The state at the proxy's start: as check_replay_init, with the
 * scenario's weights and maxconns, and its standby backends absent. */
void check_replay_start(struct check_replay *replay,
                        const struct check_proxy *proxy);

/* Applies one seq event; one without a known backend changes nothing. */
void check_replay_apply(struct check_replay *replay,
                        const struct check_seq_event *event);

/* Replays every seq event of proxy into replay (the end state, peaks). */
void check_replay_all(const struct check_proxy *proxy,
                      struct check_replay *replay);

/*
 * True while backend b may still be in a slow start's ramp at time ts (the
 * ramp's end, plus CHECK_REPLAY_RAMP_SLACK_S).
 */
bool check_replay_ramping(const struct check_replay *replay, int b,
                          double ts);

/* The state the proxy must show for b among disabled, draining, down and
 * ejected (in that order of precedence), or -1 (enum check_cand_state)
 * when none holds: then up, full or tried. */
int check_replay_state(const struct check_replay *replay, int b);

/*
 * The backends' up/down states at time ts: the backend_down/backend_up
 * (and backend_added/backend_removed) events logged at or before ts, in
 * seq order. Returns the index of the first scenario backend in the proxy
 * and up then, or -1 when every one was down or absent.
 */
int check_replay_up_at(const struct check_proxy *proxy, double ts);

#endif
