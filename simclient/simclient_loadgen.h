/*
 * simclient_loadgen: the event loop that drives every client slot.
 *
 * One thread, one epoll instance, one timer heap:
 *
 *   loadgen ──owns──► slots[clients] ──each owns──► socket, timer node
 *      │                   ▲
 *      ├─ epoll ───────────┘ (data.ptr = slot)
 *      ├─ heap of timers (start, connect, request, hold deadlines)
 *      └─ two scratch buffers shared by all slots (read, write)
 *
 * Slot i first starts at ramp * i / clients; with --duration a slot whose
 * connection ended starts the next one at once, or after its backoff when
 * it failed (simclient_conn_retry_ms), until the duration is over. The run ends when every slot is
 * idle, or early when *stop becomes non-zero (SIGINT/SIGTERM).
 */
#ifndef SIMCLIENT_LOADGEN_H
#define SIMCLIENT_LOADGEN_H

#include <signal.h>

#include "log.h"
#include "net.h"
#include "simclient_options.h"
#include "simclient_stats.h"

/* What a run needs from main; everything is borrowed for the run. */
struct simclient_loadgen_config {
    const struct simclient_options *options;
    const struct net_addrs *targets; /* tried in turn by every connect */
    const struct logger *log;
    volatile sig_atomic_t *stop;    /* set by the signal handler */
    const sigset_t *wait_mask;      /* signal mask while in epoll_pwait */
};

/*
 * Runs the load described by config->options and adds everything it saw
 * to *stats (duration_s and interrupted included; the samples sorted by
 * simclient_stats_finish, since ev=done gives their percentiles). The signals that set *stop must be blocked by the caller and
 * unblocked in *wait_mask, so that they can only arrive while the loop
 * waits (no lost wake-up). Logs ev=start and ev=done at info. Returns 0
 * when the run happened (even if connections failed or it was stopped),
 * -1 with errno when it could not run (epoll or memory).
 */
int simclient_loadgen_run(const struct simclient_loadgen_config *config,
                          struct simclient_stats *stats);

#endif
