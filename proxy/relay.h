/*
 * relay: moves bytes in one direction, from a source socket to a
 * destination socket, for one session. A session has two relays (client to
 * backend, backend to client).
 *
 * Bytes are read into the worker's scratch buffer and written straight on;
 * only what the destination would not take is copied into a buffer owned by
 * the relay, and that buffer is freed as soon as it drains. An idle session
 * therefore holds no buffer at all. While bytes are pending the relay does
 * not read its source: that is back-pressure, which bounds memory per
 * session to one read's worth.
 *
 * A direction that turns out to carry bulk data (a read fills the whole
 * scratch buffer RELAY_SPLICE_AFTER times in a row) switches to zero-copy:
 * the bytes go socket -> pipe -> socket with splice(2) and never enter
 * user space. The pipe (two descriptors) is made only then, so chatty and
 * idle sessions do not pay for it; if it cannot be made, copying goes on,
 * and if it comes out too small to beat copying, copying goes on for good.
 *
 * End of file on the source is passed on as shutdown(SHUT_WR) on the
 * destination once everything before it was written (half-close). When the
 * session is about to reset the destination instead (the source broke),
 * relay_drain hands on what can still be handed on and passes no end.
 *
 * Owned by one session, used only by the worker thread that owns it.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_SPLICE_AFTER 4

struct relay {
    char *pending;          /* unwritten bytes, NULL when none */
    uint64_t bytes;         /* bytes written to the destination */
    uint64_t bytes_read;    /* bytes read from the source */
    /* 32 bits suffice below: pending holds at most one read (the
     * worker's scratch buffer) and the pipe at most its capacity. A
     * relay is part of every session: its size is the proxy's memory
     * per idle connection (docs/performance.md). */
    uint32_t pending_len;
    uint32_t pending_off;   /* first unwritten byte */
    uint32_t in_pipe;       /* bytes in the pipe, not yet written */
    int full_reads;         /* reads in a row that filled the scratch */
    int pipe_rd;            /* splice pipe, -1 until bulk is seen */
    int pipe_wr;
    bool done;              /* the source's EOF was passed on */
    bool close_follows;     /* set by the owner: the destination is closed
                             * right after this direction ends, so the FIN
                             * needs no shutdown() of its own */
    bool source_closed;     /* set by the owner: the source's FIN has
                             * arrived (EPOLLRDHUP), so a short read does
                             * not mean drained: read on to the 0 */
    bool copy_only;         /* a pipe came out smaller than one splice's
                             * worth: this relay never splices */
};

enum relay_status {
    RELAY_WANT_READ,        /* waiting for the source to be readable */
    RELAY_MORE,             /* stopped after max_reads full reads: the
                             * source may still hold bytes, call again */
    RELAY_WANT_WRITE,       /* waiting for the destination to be writable */
    RELAY_DONE,             /* finished: EOF passed on */
    RELAY_SOURCE_ERROR,     /* reading failed; errno is set */
    RELAY_DEST_ERROR,       /* writing failed; errno is set */
    RELAY_NO_MEMORY         /* pending bytes could not be kept */
};

/* Makes an empty relay. */
void relay_init(struct relay *relay);

/* Frees what the relay holds (buffer and pipe). */
void relay_free(struct relay *relay);

/* Whether the relay moves its bytes with splice (it holds a pipe). */
static inline bool relay_splicing(const struct relay *relay)
{
    return relay->pipe_rd != -1;
}

/*
 * Moves as much as it can now from src to dst using scratch (scratch_size
 * bytes, owned by the caller). Returns what the relay waits for next, or why
 * it stopped. Reads at most max_reads times, so that one busy session
 * cannot starve the others of its worker; RELAY_MORE says it stopped there
 * while the source may still be readable.
 *
 * RELAY_WANT_READ and RELAY_WANT_WRITE are only returned after the socket
 * concerned said EAGAIN, or after a short read (the receive queue was
 * emptied), so an edge-triggered epoll reports the next change. A FIN
 * that came in with the last bytes brings no edge of its own: once the
 * owner sets source_closed, a short read no longer ends the pump.
 */
enum relay_status relay_pump(struct relay *relay, int src, int dst,
                             char *scratch, size_t scratch_size,
                             int max_reads);

/*
 * For a session that is about to reset dst because the source broke:
 * writes what the relay holds and what the source still has queued, as
 * far as dst takes it now, reading at most max_reads times. The source's
 * end (a 0 read, which is also what a reset socket reads once its error
 * was reported) is not passed on: no FIN may reach dst before its RST.
 * Returns what relay_pump returns; the caller closes dst whatever it is.
 */
enum relay_status relay_drain(struct relay *relay, int src, int dst,
                              char *scratch, size_t scratch_size,
                              int max_reads);

#endif
