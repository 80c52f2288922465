/*
 * simclient_throttle: one warning per failure kind and window. See
 * simclient_throttle.h.
 */
#include "simclient_throttle.h"

#include <string.h>

/* The result= text of a throttled kind. */
static const char *result_name(enum simclient_failure failure)
{
    return failure == SIMCLIENT_FAILURE_NONE ? "interrupted"
                                             : simclient_failure_name(failure);
}

void simclient_throttle_init(struct simclient_throttle *throttle)
{
    memset(throttle, 0, sizeof(*throttle));
}

void simclient_throttle_tick(struct simclient_throttle *throttle,
                             const struct logger *log, uint64_t now_ns)
{
    for (int kind = 0; kind < SIMCLIENT_FAILURE_COUNT; kind++) {
        if (throttle->window_end_ns[kind] == 0 ||
            now_ns < throttle->window_end_ns[kind])
            continue;
        if (throttle->demoted[kind] > 0)
            log_event(log, LOG_WARN, "conn_repeats",
                      "result=%s n=%lu window_ms=%d msg=\"more connections "
                      "ended this way; --log-level info shows each\"",
                      result_name(kind), throttle->demoted[kind],
                      SIMCLIENT_THROTTLE_WINDOW_MS);
        throttle->window_end_ns[kind] = 0;
        throttle->demoted[kind] = 0;
    }
}

enum log_level simclient_throttle_level(struct simclient_throttle *throttle,
                                        const struct logger *log,
                                        enum simclient_failure failure,
                                        uint64_t now_ns)
{
    if ((unsigned)failure >= SIMCLIENT_FAILURE_COUNT)
        return LOG_WARN;
    simclient_throttle_tick(throttle, log, now_ns);
    if (throttle->window_end_ns[failure] != 0) {
        throttle->demoted[failure]++;
        return LOG_INFO;
    }
    throttle->window_end_ns[failure] =
        now_ns + (uint64_t)SIMCLIENT_THROTTLE_WINDOW_MS * 1000000u;
    return LOG_WARN;
}
