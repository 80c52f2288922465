/*
 * check_retry: failed connects are retried elsewhere.
 *
 *   retried   every session whose connect to a backend failed or timed
 *             out (ev=connect_fail, not local=1) was retried (ev=retry),
 *             never picked a backend it had failed on again, connected to
 *             another one, and its client ended ok; excused: a session refused at its retry with no
 *             backend up (its no_backend line shows none). A run with no
 *             failed connect fails: nothing was shown
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_RETRY_H
#define CHECK_RETRY_H

#include "check.h"
#include "check_proxy.h"

/* "expect retried". */
void check_retry(const struct check_proxy *proxy,
                 struct check_verdict *verdict);

#endif
