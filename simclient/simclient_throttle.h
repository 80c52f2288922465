/*
 * simclient_throttle: keeps failure warnings readable when connections
 * fail by the thousand (a proxy that is gone, with --duration).
 *
 * Every finished connection still gets its ev=conn line, but per result
 * (a failure kind, or "interrupted") only the first failure of each
 * window of SIMCLIENT_THROTTLE_WINDOW_MS is a warning; the others in that
 * window are logged at info (so --log-level info, which the harness uses,
 * still shows every one) and counted. When a window that demoted lines is
 * over, one warning says how many: ev=conn_repeats result=KIND n=N.
 *
 * The struct belongs to the loadgen; one thread, no lock.
 */
#ifndef SIMCLIENT_THROTTLE_H
#define SIMCLIENT_THROTTLE_H

#include <stdint.h>

#include "log.h"
#include "simclient_failure.h"

#define SIMCLIENT_THROTTLE_WINDOW_MS 1000

/* One window per result; index 0 (no failure) stands for "interrupted". */
struct simclient_throttle {
    uint64_t window_end_ns[SIMCLIENT_FAILURE_COUNT]; /* 0: no window open */
    unsigned long demoted[SIMCLIENT_FAILURE_COUNT];  /* info only, so far */
};

/* Makes a throttle with no window open. */
void simclient_throttle_init(struct simclient_throttle *throttle);

/*
 * The level for the ev=conn line of a connection that ended with failure
 * (SIMCLIENT_FAILURE_NONE for an interrupted one) at now_ns: LOG_WARN for
 * the first of its window, LOG_INFO (and counted) for the others. Closes
 * every window that is over first (see simclient_throttle_tick).
 */
enum log_level simclient_throttle_level(struct simclient_throttle *throttle,
                                        const struct logger *log,
                                        enum simclient_failure failure,
                                        uint64_t now_ns);

/*
 * Closes every window that is over at now_ns, logging ev=conn_repeats for
 * each that demoted lines. With now_ns = UINT64_MAX it closes them all
 * (the end of the run).
 */
void simclient_throttle_tick(struct simclient_throttle *throttle,
                             const struct logger *log, uint64_t now_ns);

#endif
