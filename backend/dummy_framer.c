/*
 * dummy_framer: line splitting with a kept tail. See dummy_framer.h.
 */
#include "dummy_framer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

long dummy_framer_scan(const char *buf, size_t len, size_t max_payload)
{
    /* Never search further than the longest acceptable line. */
    size_t limit = len < max_payload + 1 ? len : max_payload + 1;
    const char *newline = memchr(buf, '\n', limit);

    if (newline != NULL)
        return (long)(newline - buf) + 1;
    return len > max_payload ? DUMMY_FRAMER_TOO_LONG : DUMMY_FRAMER_PARTIAL;
}

void dummy_framer_init(struct dummy_framer *framer, size_t max_payload)
{
    framer->tail = NULL;
    framer->len = 0;
    framer->cap = 0;
    framer->max_payload = max_payload;
}

void dummy_framer_free(struct dummy_framer *framer)
{
    free(framer->tail);
    dummy_framer_init(framer, framer->max_payload);
}

/* Appends to the tail, growing it by doubling. Returns 0 or -1 (ENOMEM). */
static int tail_append(struct dummy_framer *framer, const char *data,
                       size_t len)
{
    if (framer->len + len > framer->cap) {
        size_t cap = framer->cap ? framer->cap : 256;
        char *tail;

        while (cap < framer->len + len)
            cap *= 2;
        /* The tail never holds more than the longest line, '\n' included:
         * no doubling past it (16 MiB would otherwise become 32). */
        if (cap > framer->max_payload + 1)
            cap = framer->max_payload + 1;
        tail = realloc(framer->tail, cap);
        if (tail == NULL) {
            errno = ENOMEM;
            return -1;
        }
        framer->tail = tail;
        framer->cap = cap;
    }
    memcpy(framer->tail + framer->len, data, len);
    framer->len += len;
    return 0;
}

/* Splits data while the tail is empty: lines are handed out in place. */
static int feed_direct(struct dummy_framer *framer, const char *data,
                       size_t len, dummy_framer_line_fn fn, void *ctx)
{
    while (len > 0) {
        long taken = dummy_framer_scan(data, len, framer->max_payload);
        int rc;

        if (taken == DUMMY_FRAMER_TOO_LONG) {
            errno = EMSGSIZE;
            return -1;
        }
        if (taken == DUMMY_FRAMER_PARTIAL)
            return tail_append(framer, data, len);
        rc = fn(ctx, data, (size_t)taken - 1);
        if (rc != 0)
            return rc;
        data += taken;
        len -= (size_t)taken;
    }
    return 0;
}

/*
 * Completes the line started in the tail with the first piece of data and
 * hands it out; without a '\n' in data the whole of data joins the tail.
 * Sets *used to the bytes of data taken. Returns as dummy_framer_feed.
 */
static int feed_tail(struct dummy_framer *framer, const char *data,
                     size_t len, dummy_framer_line_fn fn, void *ctx,
                     size_t *used)
{
    const char *newline = memchr(data, '\n', len);
    size_t piece = newline != NULL ? (size_t)(newline - data) : len;
    int rc;

    if (framer->len + piece > framer->max_payload) {
        errno = EMSGSIZE;
        return -1;
    }
    *used = newline != NULL ? piece + 1 : len;
    if (tail_append(framer, data, *used) == -1)
        return -1;
    if (newline == NULL)
        return 0;
    rc = fn(ctx, framer->tail, framer->len - 1);
    framer->len = 0;
    return rc;
}

int dummy_framer_feed(struct dummy_framer *framer, const char *data,
                      size_t len, dummy_framer_line_fn fn, void *ctx)
{
    size_t used = 0;
    int rc = 0;

    if (framer->len > 0)
        rc = feed_tail(framer, data, len, fn, ctx, &used);
    if (rc == 0)
        rc = feed_direct(framer, data + used, len - used, fn, ctx);
    if (rc != 0 || framer->len == 0) {
        /* Nothing worth keeping: an idle connection holds no buffer. */
        int saved = errno;

        dummy_framer_free(framer);
        errno = saved;
    }
    return rc;
}
