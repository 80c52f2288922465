/*
 * check_replay: the proxy's balancer rebuilt from its own log.
 *
 * Every backend starts up with 0 active sessions; the seq events of a
 * check_proxy, applied in seq order, move the counts (pick + 1, release
 * - 1) and the states (backend_down, backend_up) exactly as the proxy's
 * balancer moved them, if the log tells the truth. The checks compare what
 * each pick line claims with this replay.
 *
 * Plain data, no allocation. Single-threaded.
 */
#ifndef CHECK_REPLAY_H
#define CHECK_REPLAY_H

#include <stdbool.h>

#include "check_proxy.h"

struct check_replay {
    long active[CHECK_PROXY_MAX_NAMES];
    bool down[CHECK_PROXY_MAX_NAMES];
    long peak[CHECK_PROXY_MAX_NAMES];   /* highest active so far */
};

/* Every backend up with 0 active. */
void check_replay_init(struct check_replay *replay);

/* Applies one seq event; one without a known backend changes nothing. */
void check_replay_apply(struct check_replay *replay,
                        const struct check_seq_event *event);

/* Replays every seq event of proxy into replay (the end state, peaks). */
void check_replay_all(const struct check_proxy *proxy,
                      struct check_replay *replay);

/*
 * The backends' up/down states at time ts: the backend_down/backend_up
 * events logged at or before ts, in seq order. Returns the index of the
 * first scenario backend still up then, or -1 when every one was down.
 */
int check_replay_up_at(const struct check_proxy *proxy, double ts);

#endif
