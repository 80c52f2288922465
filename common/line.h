/*
 * line: the facts of the lab's line protocol that every program must agree
 * on. simulate_client writes request lines PAYLOAD LF, dummy_server answers
 * each with NAME SP PAYLOAD LF (or echoes the bytes in --mode echo), and the
 * harness checks scenarios against both, so the limits live here once and
 * cannot drift apart. Constants only: thread-safe.
 */
#ifndef LINE_H
#define LINE_H

/*
 * The longest payload (bytes before the LF) a request line may have:
 * simulate_client's --size, a scenario's size= and dummy_server's line
 * framing all stop here. Nothing is allocated at this size up front; it is
 * only the guard against a peer that never ends its line.
 */
#define LINE_PAYLOAD_MAX (16L * 1024 * 1024)

/*
 * What simulate_client --expect echo reports as the backend of a reply: an
 * echo carries no name. The parentheses keep it apart from every real name
 * (names are A-Z a-z 0-9 _ . - in scenarios).
 */
#define LINE_ECHO_NAME "(echo)"

#endif
