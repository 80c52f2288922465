/*
 * simclient_payload: the request lines simulate_client sends.
 *
 * A request line is PAYLOAD LF, where PAYLOAD is exactly `size` printable
 * bytes: a tag naming the connection and the request ("c17r3:"), then
 * filler drawn from a 64-character alphabet (letters, digits, '-', '_'; no
 * space, no LF). The filler is a pure function of (seed, connection,
 * request, position), so any slice of any line can be produced on demand:
 * the writer makes only the bytes the socket takes now and the verifier
 * makes only the bytes it compares, and no line is ever held in memory
 * whole (payloads may be 16 MiB on thousands of connections).
 *
 * Pure functions on caller-owned memory: thread-safe.
 */
#ifndef SIMCLIENT_PAYLOAD_H
#define SIMCLIENT_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Longest tag: "c" + 20 digits + "r" + 20 digits + ":" and a NUL. */
#define SIMCLIENT_PAYLOAD_TAG_MAX 48

/* Names one request line; plain data. */
struct simclient_payload {
    uint64_t seed;      /* --seed: same seed, same filler */
    uint64_t conn;      /* connection id, as in the tag and the log (cid) */
    uint64_t request;   /* request number within the connection, from 1 */
    size_t size;        /* payload bytes, without the LF */
};

/* The length of the tag "c<conn>r<request>:" (without a NUL). */
size_t simclient_payload_tag_len(uint64_t conn, uint64_t request);

/* The length of the whole request line: size + 1 for the LF. */
size_t simclient_payload_line_len(const struct simclient_payload *payload);

/*
 * Writes bytes [offset, offset + len) of the request line into buf. The
 * range must lie inside the line (offset + len <= line length). When size
 * is shorter than the tag, the tag is cut (the caller prevents that).
 */
void simclient_payload_read(const struct simclient_payload *payload,
                            size_t offset, char *buf, size_t len);

#endif
