/*
 * dummy_framer: cuts a byte stream into lines (line mode of the backend).
 *
 * A line is every byte up to and including '\n'; its payload is the bytes
 * before the '\n' (any byte value but '\n'). Bytes read from a socket arrive
 * in arbitrary pieces, so the framer keeps the unfinished tail of the last
 * piece and joins it with the next one. It owns only that tail, which it
 * frees as soon as it is empty, so an idle connection costs no buffer.
 * A payload longer than max_payload without its '\n' is an error: that is
 * the guard against a peer that never ends its line.
 * Not thread-safe: one framer belongs to one connection.
 */
#ifndef DUMMY_FRAMER_H
#define DUMMY_FRAMER_H

#include <stddef.h>

#define DUMMY_FRAMER_TOO_LONG (-1)
#define DUMMY_FRAMER_PARTIAL (-2)

/*
 * Called once per complete line, in order; payload excludes the '\n' and
 * is valid only during the call. Returns 0 to go on, > 0 to stop (the rest
 * of the input is dropped), or -1 with errno to fail.
 */
typedef int (*dummy_framer_line_fn)(void *ctx, const char *payload,
                                    size_t len);

/* The unfinished line of one connection. */
struct dummy_framer {
    char *tail;             /* bytes after the last '\n' seen, or NULL */
    size_t len;             /* bytes in tail */
    size_t cap;             /* bytes allocated for tail */
    size_t max_payload;     /* longest payload accepted */
};

/*
 * Looks at the first line of buf[0..len) (picohttpparser style). Returns the
 * bytes it takes including its '\n', DUMMY_FRAMER_PARTIAL when there is no
 * '\n' yet and the payload could still fit, or DUMMY_FRAMER_TOO_LONG when
 * the payload already exceeds max_payload.
 */
long dummy_framer_scan(const char *buf, size_t len, size_t max_payload);

/* Makes an empty framer (no allocation). */
void dummy_framer_init(struct dummy_framer *framer, size_t max_payload);

/* Frees the tail; the framer is empty and reusable afterwards. */
void dummy_framer_free(struct dummy_framer *framer);

/*
 * Adds data and calls fn for every line it completes. Returns 0 when all
 * of data was used (an unfinished line is kept), fn's value when fn asked
 * to stop (the tail is then discarded), or -1 with errno: EMSGSIZE for a
 * line longer than max_payload, ENOMEM, or whatever fn set.
 */
int dummy_framer_feed(struct dummy_framer *framer, const char *data,
                      size_t len, dummy_framer_line_fn fn, void *ctx);

#endif
