/*
 * relay: one direction of a session's byte stream. See relay.h.
 *
 * The loop is the classic one: n > 0 forward it, n == 0 end of file,
 * NET_AGAIN wait for epoll, -1 give up with errno kept.
 */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

/* Bytes moved per splice call: one pipe's worth. */
#define RELAY_SPLICE_CHUNK (64 * 1024)

void relay_init(struct relay *relay)
{
    memset(relay, 0, sizeof(*relay));
    relay->pipe_rd = -1;
    relay->pipe_wr = -1;
}

/* Frees the copy buffer (not the pipe): called whenever it drains. */
static void drop_pending(struct relay *relay)
{
    free(relay->pending);
    relay->pending = NULL;
    relay->pending_len = 0;
    relay->pending_off = 0;
}

void relay_free(struct relay *relay)
{
    drop_pending(relay);
    if (relay->pipe_rd != -1) {
        close(relay->pipe_rd);
        close(relay->pipe_wr);
    }
    relay->pipe_rd = -1;
    relay->pipe_wr = -1;
    relay->in_pipe = 0;
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
    drop_pending(relay);
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
    /* Its result is not looked at: a shutdown that fails (ENOTCONN) finds
     * the destination gone already, with nothing left to tell it. */
    if (!relay->close_follows)
        shutdown(dst, SHUT_WR);
    relay->done = true;
    return RELAY_DONE;
}

/* --- zero copy ---------------------------------------------------------- */

/* Makes the pipe; false when it cannot be had (copying goes on then). */
static bool open_pipe(struct relay *relay)
{
    int fds[2];

    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
        return false;
    /* An unprivileged process past its user's pipe budget
     * (/proc/sys/fs/pipe-user-pages-soft) gets pipes of two pages, and
     * splicing through those costs up to three times the CPU of copying
     * (docs/performance.md): such a relay copies for good. */
    if (fcntl(fds[1], F_GETPIPE_SZ) < RELAY_SPLICE_CHUNK) {
        close(fds[0]);
        close(fds[1]);
        relay->copy_only = true;
        return false;
    }
    relay->pipe_rd = fds[0];
    relay->pipe_wr = fds[1];
    return true;
}

/* Empties the pipe into dst. Returns RELAY_WANT_READ once it is empty. */
static enum relay_status flush_pipe(struct relay *relay, int dst)
{
    while (relay->in_pipe > 0) {
        ssize_t n = splice(relay->pipe_rd, NULL, dst, NULL, relay->in_pipe,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && errno == EAGAIN)
            return RELAY_WANT_WRITE;
        if (n == 0)             /* nothing taken from a full pipe */
            errno = EPIPE;
        if (n <= 0)
            return RELAY_DEST_ERROR;
        relay->in_pipe -= (size_t)n;
        relay->bytes += (size_t)n;
    }
    return RELAY_WANT_READ;
}

/* The splice version of the copy loop below. */
static enum relay_status pump_spliced(struct relay *relay, int src, int dst,
                                      int max_reads)
{
    enum relay_status status_after;

    for (int reads = 0; reads < max_reads; reads++) {
        enum relay_status status = flush_pipe(relay, dst);
        ssize_t n;

        if (status != RELAY_WANT_READ)
            return status;
        n = splice(src, NULL, relay->pipe_wr, NULL, RELAY_SPLICE_CHUNK,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && errno == EAGAIN)
            return RELAY_WANT_READ;
        if (n == -1)
            return RELAY_SOURCE_ERROR;
        if (n == 0)
            return finish(relay, dst);
        relay->in_pipe += (size_t)n;
        relay->bytes_read += (size_t)n;
    }
    status_after = flush_pipe(relay, dst);
    return status_after == RELAY_WANT_READ ? RELAY_MORE : status_after;
}

/* Counts full reads; after enough in a row, tries to switch to splice. */
static void note_read(struct relay *relay, size_t n, size_t scratch_size)
{
    relay->full_reads = n == scratch_size ? relay->full_reads + 1 : 0;
    /* Without a pipe (out of descriptors) copying goes on, and the next
     * run of full reads tries again. */
    if (relay->full_reads >= RELAY_SPLICE_AFTER && !relay->copy_only &&
        !open_pipe(relay))
        relay->full_reads = 0;
}

/* --- the pump ------------------------------------------------------------- */

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
        ssize_t n, written;

        if (relay->pipe_rd != -1)
            return pump_spliced(relay, src, dst, max_reads - reads);
        n = net_read(src, scratch, scratch_size);
        if (n == NET_AGAIN)
            return RELAY_WANT_READ;
        if (n == 0)
            return finish(relay, dst);
        if (n == -1)
            return RELAY_SOURCE_ERROR;
        relay->bytes_read += (size_t)n;
        written = write_some(relay, dst, scratch, (size_t)n);
        if (written == -1)
            return RELAY_DEST_ERROR;
        if (written < n)
            return keep_pending(relay, scratch + written, (size_t)(n - written));
        note_read(relay, (size_t)n, scratch_size);
        /* A short read means the socket is drained for now, unless its
         * FIN is known to be waiting behind the bytes. */
        if ((size_t)n < scratch_size && !relay->source_closed)
            return RELAY_WANT_READ;
    }
    return RELAY_MORE;
}

enum relay_status relay_drain(struct relay *relay, int src, int dst,
                              char *scratch, size_t scratch_size,
                              int max_reads)
{
    /* finish() then only marks the relay done: dst gets no shutdown(). */
    relay->close_follows = true;
    return relay_pump(relay, src, dst, scratch, scratch_size, max_reads);
}
