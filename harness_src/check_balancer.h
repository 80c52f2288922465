/*
 * check_balancer: judges the balancer's decisions from the proxy's log.
 *
 *   leastconn    every pick chose an eligible backend with the fewest
 *                active sessions per weight, among the candidates its own
 *                line shows; replaying the seq events reproduces every
 *                count and state those lines show; seq runs 1..N
 *   p2c          the same replay, but each pick is judged by its two
 *                logged samples (p2c=A,B): both up and distinct (one
 *                sample only when one backend was up), and the chosen
 *                one the lesser active per weight of the two, A on a tie
 *   counts zero  every pick is released exactly once by the same session,
 *                and every backend ends with 0 active
 *
 * Pure functions over a built check_proxy. Single-threaded.
 */
#ifndef CHECK_BALANCER_H
#define CHECK_BALANCER_H

#include "check.h"
#include "check_proxy.h"

/* "expect leastconn". */
void check_balancer_leastconn(const struct check_proxy *proxy,
                              struct check_verdict *verdict);

/* "expect p2c". */
void check_balancer_p2c(const struct check_proxy *proxy,
                        struct check_verdict *verdict);

/* "expect counts zero". */
void check_balancer_counts_zero(const struct check_proxy *proxy,
                                struct check_verdict *verdict);

#endif
