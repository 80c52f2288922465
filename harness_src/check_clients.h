/*
 * check_clients: the checks that read the clients' logs.
 *
 *   clients ok        every burst not marked may-fail exited 0
 *   clients failed<=N at most N client connections failed, over all bursts
 *   no-lost-clients   every failed client connection is explained: the
 *                     proxy's idle timeout closed it while a reply was
 *                     still due or its behaviour kept it quiet, its
 *                     behaviour made the failure certain (a trickle
 *                     slower than its timeout), the proxy's queue timed
 *                     it out, its session was refused with no backend
 *                     eligible (down, disabled, draining, ejected or
 *                     full), the backend it was connected to had a fault
 *                     while it ran, or (never accepted) every
 *                     backend was down. The causes that do not depend on
 *                     the session's own story are a table in
 *                     check_clients.c, where new kinds of fault add theirs
 *
 * A connection "failed" when its result is a failure kind (connect reset
 * closed mismatch noname switched timeout); "interrupted" connections are
 * neither ok nor failed, and one that ended as its behaviour planned is
 * ok (docs/simulate_client.md).
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_CLIENTS_H
#define CHECK_CLIENTS_H

#include "check.h"
#include "check_backends.h"
#include "check_proxy.h"

/* "expect clients ok". */
void check_clients_ok(const struct outcome *outcome,
                      struct check_verdict *verdict);

/* "expect clients failed<=N". */
void check_clients_failed(const struct scenario_expect *e,
                          const struct outcome *outcome,
                          struct check_verdict *verdict);

/* "expect no-lost-clients". */
void check_clients_lost(const struct check_proxy *proxy,
                        const struct check_backends *backends,
                        struct check_verdict *verdict);

#endif
