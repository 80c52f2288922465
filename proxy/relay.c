/*
 * relay: one direction of a session's byte stream. See relay.h.
 *
 * The loop is the classic one: n > 0 forward it, n == 0 end of file,
 * NET_AGAIN wait for epoll, -1 give up with errno kept.
 */
#include "relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"

void relay_init(struct relay *relay)
{
    memset(relay, 0, sizeof(*relay));
}

void relay_free(struct relay *relay)
{
    free(relay->pending);
    relay->pending = NULL;
    relay->pending_len = 0;
    relay->pending_off = 0;
}

/* Writes len bytes of buf to dst; returns bytes written (maybe fewer), or
 * -1 on a real error. */
static ssize_t write_some(struct relay *relay, int dst, const char *buf,
                          size_t len)
{
    size_t written = 0;

    while (written < len) {
        ssize_t n = net_write(dst, buf + written, len - written);

        if (n == NET_AGAIN)
            break;
        if (n == -1)
            return -1;
        written += (size_t)n;
    }
    relay->bytes += written;
    return (ssize_t)written;
}

/* Tries to empty the pending buffer. Returns RELAY_WANT_READ when it is
 * empty (and freed), RELAY_WANT_WRITE when bytes remain. */
static enum relay_status flush_pending(struct relay *relay, int dst)
{
    ssize_t n = write_some(relay, dst, relay->pending + relay->pending_off,
                           relay->pending_len - relay->pending_off);

    if (n == -1)
        return RELAY_DEST_ERROR;
    relay->pending_off += (size_t)n;
    if (relay->pending_off < relay->pending_len)
        return RELAY_WANT_WRITE;
    relay_free(relay);
    return RELAY_WANT_READ;
}

/* Keeps the len bytes the destination did not take. */
static enum relay_status keep_pending(struct relay *relay, const char *buf,
                                      size_t len)
{
    relay->pending = malloc(len);
    if (relay->pending == NULL)
        return RELAY_NO_MEMORY;
    memcpy(relay->pending, buf, len);
    relay->pending_len = len;
    relay->pending_off = 0;
    return RELAY_WANT_WRITE;
}

/* The source is finished: pass the FIN on. */
static enum relay_status finish(struct relay *relay, int dst)
{
    /* ENOTCONN: the destination is already gone; nothing left to tell it. */
    shutdown(dst, SHUT_WR);
    relay->done = true;
    return RELAY_DONE;
}

enum relay_status relay_pump(struct relay *relay, int src, int dst,
                             char *scratch, size_t scratch_size,
                             int max_reads)
{
    if (relay->done)
        return RELAY_DONE;
    if (relay->pending != NULL) {
        enum relay_status status = flush_pending(relay, dst);

        if (status != RELAY_WANT_READ)
            return status;
    }
    for (int reads = 0; reads < max_reads; reads++) {
        ssize_t n = net_read(src, scratch, scratch_size);
        ssize_t written;

        if (n == NET_AGAIN)
            return RELAY_WANT_READ;
        if (n == 0)
            return finish(relay, dst);
        if (n == -1)
            return RELAY_SOURCE_ERROR;
        written = write_some(relay, dst, scratch, (size_t)n);
        if (written == -1)
            return RELAY_DEST_ERROR;
        if (written < n)
            return keep_pending(relay, scratch + written, (size_t)(n - written));
        /* A short read means the socket is drained for now. */
        if ((size_t)n < scratch_size)
            return RELAY_WANT_READ;
    }
    return RELAY_WANT_READ;
}
