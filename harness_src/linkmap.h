/*
 * linkmap: sees through a fault_link when logs are joined by address.
 *
 *   proxy ──(local A)──► fault_link ──(local L)──► backend logs peer=L
 *                        logs ev=conn id=N client=A
 *                             ev=onward id=N local=L
 *
 * The checks join a proxy session to its backend connection by the
 * proxy's local address, and a client to its proxy session by the
 * client's. With a link between them the far side sees the link's own
 * address instead. The link names it: `ev=onward` gives the local address
 * of connection N's onward socket, and `ev=conn` the client it relays for.
 * linkmap_apply rewrites the far side's address values from L to A on that
 * basis. A port may be used again by a later connection of the link (the
 * far side closed first, so the link's end has no TIME_WAIT): the far
 * side's events with the same address are paired with the link's
 * connections from it in order, which is exact, since the second cannot
 * reach the far side before the first has gone.
 *
 * Pure over caller-owned traces; single-threaded.
 */
#ifndef LINKMAP_H
#define LINKMAP_H

#include "trace.h"

/*
 * Rewrites, in far's events named ev (taken in the order of their
 * order_key integer, or in file order when order_key is NULL), each value
 * of key that is the onward address of a link connection to that
 * connection's client address. The new values point into link's memory:
 * link must outlive far. Returns how many values were rewritten.
 */
size_t linkmap_apply(struct trace *far, const char *ev, const char *key,
                     const char *order_key, const struct trace *link);

#endif
