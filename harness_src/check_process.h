/*
 * check_process: the proxy judged as a process: how it stops, and which
 * of its threads did the work.
 *
 *   stop clean     after the harness's SIGTERM the proxy exits with 0 and
 *                  logs "stop status=clean", and no session was cut by the
 *                  stop (reason=shutdown) or left without its close line:
 *                  the harness stops the proxy once every client has
 *                  ended, so each session ends by itself within the grace
 *   workers used   the sessions ran on as many worker threads (the thr= of
 *                  their accept lines) as the proxy was started with
 *   sessions<=D    every session lasted at most D, from its accept line to
 *                  its close line (an idle timeout must cut held ones)
 *   fds stable     once every session closed, the proxy holds no more
 *                  descriptors than just after its start (the runner's
 *                  first and last counts of /proc/PID/fd), give or take a
 *                  health check per backend
 *   proxy-rss<=B   the proxy's resident memory (the runner's samples of
 *                  VmRSS, /proc/PID/status, every 100 ms) never above B
 *   proxy-rss-growth<=B   never more than B above its first sample,
 *                  taken just after the proxy's start
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_PROCESS_H
#define CHECK_PROCESS_H

#include "check.h"
#include "check_proxy.h"

/* "expect stop clean". */
void check_process_stop(const struct check_proxy *proxy,
                        struct check_verdict *verdict);

/* "expect workers used". */
void check_process_workers(const struct check_proxy *proxy,
                           struct check_verdict *verdict);

/* "expect sessions<=D". */
void check_process_sessions(const struct scenario_expect *e,
                            const struct check_proxy *proxy,
                            struct check_verdict *verdict);

/* "expect fds stable". */
void check_process_fds(const struct check_proxy *proxy,
                       struct check_verdict *verdict);

/* "expect proxy-rss<=B" and "expect proxy-rss-growth<=B". */
void check_process_rss(const struct scenario_expect *e,
                       const struct outcome *outcome,
                       struct check_verdict *verdict);

#endif
