/*
 * linkmap: sees through a fault_link when logs are joined by address.
 *
 *   proxy ──(local A)──► fault_link ──(local L)──► backend logs peer=L
 *                        logs ev=conn id=N client=A
 *
 * The checks join a proxy session to its backend connection by the
 * proxy's local address, and a client to its proxy session by the
 * client's. With a link between them the far side sees the link's own
 * address instead, which no log names. But the link connects onwards in
 * the order it accepted (one thread, in id order), and on loopback the
 * handshake completes inside connect(), so the far side's accept queue
 * holds them in that same order: the k-th accept of the far side is the
 * k-th connection the link passed on (those the link refused, or could
 * not connect, never arrive). linkmap_apply rewrites the far side's
 * address values to the link's clients on that basis. The far side's
 * order must be its accept order: a backend's log order (dummy_server
 * has one thread), the proxy's session numbers (exact with one thread;
 * two acceptors at the same moment may number out of order).
 *
 * Pure over caller-owned traces; single-threaded.
 */
#ifndef LINKMAP_H
#define LINKMAP_H

#include "trace.h"

/*
 * Rewrites, in far's events named ev (taken in the order of their
 * order_key integer, or in file order when order_key is NULL), the value
 * of key to the client address of the link connections that reached the
 * far side, in link order. The new values point into link's memory: link
 * must outlive far. Returns how many values were rewritten.
 */
size_t linkmap_apply(struct trace *far, const char *ev, const char *key,
                     const char *order_key, const struct trace *link);

#endif
