/*
 * check_clients: the checks that read the clients' logs.
 *
 *   clients ok        every burst not marked may-fail exited 0
 *   clients failed<=N at most N client connections failed, over all bursts
 *   no-lost-clients   every failed client connection is explained: its
 *                     session was refused with no backend up, or the
 *                     backend it was connected to had a fault while it
 *                     ran, or (never accepted) every backend was down
 *
 * A connection "failed" when its result is a failure kind (connect reset
 * closed mismatch noname switched timeout); "interrupted" connections are
 * neither ok nor failed (docs/simulate_client.md).
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
