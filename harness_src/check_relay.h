/*
 * check_relay: "expect relay exact", judged across three logs.
 *
 * For every client connection that ended ok, the proxy session that
 * accepted it (accept client= is the client's local=) must have been
 * connected to the backend whose name the replies carried, and the bytes
 * must agree everywhere: the client's bytes_out is the proxy's bytes_c2b
 * is the backend connection's bytes_in (found by the proxy's connected
 * local=, the backend's peer=), and back the other way. A client that saw
 * an altered reply (mismatch, noname, switched) fails the check too.
 *
 * "expect resets passed", across the same three logs: every client
 * connection whose backend connection the backend reset (its own log says
 * close reason=reset_after_lines) must have ended at the client as a
 * reset too (the client's ev=conn end=reset), not as a clean end of file
 * that would make a cut stream look whole. A client that had already
 * closed (end=-) saw neither and is not judged.
 *
 * Pure functions over read-only data. Single-threaded.
 */
#ifndef CHECK_RELAY_H
#define CHECK_RELAY_H

#include "check.h"
#include "check_backends.h"
#include "check_proxy.h"

/* "expect relay exact". */
void check_relay_exact(const struct check_proxy *proxy,
                       const struct check_backends *backends,
                       struct check_verdict *verdict);

/* "expect resets passed". */
void check_relay_resets(const struct check_proxy *proxy,
                        const struct check_backends *backends,
                        struct check_verdict *verdict);

#endif
