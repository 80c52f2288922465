/*
 * faultlink_stream: one direction of one connection while faults shape
 * it: the bytes read from the source wait in a queue of chunks until they
 * are due (latency and jitter, order kept), then go out to the destination
 * in pieces (slicer) no faster than a rate (bandwidth), up to a cut
 * (limit-data, reset bytes=N); a discarding stream (blackhole, timeout)
 * takes bytes in and forwards none.
 *
 *   source ──push()──► [chunk due=t1] → [chunk due=t2] → ... ──flush()──► dest
 *                       (at most FAULTLINK_STREAM_QUEUE_MAX bytes)
 *
 * The stream owns its chunks; the connection owns the stream and the
 * sockets. Time is the caller's clock in ms, passed in, so the tests drive
 * it. One thread.
 */
#ifndef FAULTLINK_STREAM_H
#define FAULTLINK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../backend/dummy_delay.h"
#include "../backend/dummy_pacer.h"

/* Bytes a stream holds before it stops taking more (back-pressure). */
#define FAULTLINK_STREAM_QUEUE_MAX (1024 * 1024)

/* What the faults in force make of one direction of one connection. */
struct faultlink_shape {
    bool latency;           /* latency_ms and jitter_ms apply */
    long latency_ms;
    long jitter_ms;
    long rate;              /* bytes per second, 0: no limit */
    long slice_size;        /* bytes per piece, 0: no slicing */
    long slice_delay_ms;    /* between pieces */
    bool discard;           /* blackhole or timeout: forward nothing */
    long cut_bytes;         /* forward this many bytes, then end; -1: none */
    long fin_delay_ms;      /* slow-close: hold the FIN this long; -1: none */
};

/* One read's bytes, due at one time. */
struct faultlink_chunk {
    struct faultlink_chunk *next;
    uint64_t due_ms;
    size_t len;
    size_t off;             /* first byte not yet written */
    char data[];
};

/* One shaped direction. */
struct faultlink_stream {
    struct faultlink_chunk *head;
    struct faultlink_chunk *tail;
    size_t queued;          /* bytes in the chunks, not yet written */
    uint64_t last_due_ms;   /* of the newest chunk: later ones never
                             * overtake it */
    struct faultlink_shape shape;
    struct dummy_delay delay;
    struct dummy_pacer pacer;
    uint64_t next_piece_ms; /* slicer: no write before this */
    uint64_t taken;         /* bytes pushed for forwarding (not discarded) */
    uint64_t cut_from;      /* taken when the cut was set: it counts on
                             * from there */
    uint64_t written;       /* bytes written to the destination */
};

/* What flush stopped at. */
enum faultlink_stream_status {
    FAULTLINK_STREAM_EMPTY,     /* everything queued was written */
    FAULTLINK_STREAM_WAIT,      /* the next byte is due at *wake_ms */
    FAULTLINK_STREAM_BLOCKED,   /* the destination said EAGAIN */
    FAULTLINK_STREAM_ERROR      /* writing failed; errno is set */
};

/* An empty stream, its jitter drawn from seed. */
void faultlink_stream_init(struct faultlink_stream *stream, uint64_t seed);

/* Frees the chunks. */
void faultlink_stream_free(struct faultlink_stream *stream);

/* Sets the shape from now on (bytes queued keep their due times). */
void faultlink_stream_configure(struct faultlink_stream *stream,
                                const struct faultlink_shape *shape,
                                uint64_t now_ms);

/* True when the shape changes nothing: the bytes may go by splice. */
bool faultlink_shape_plain(const struct faultlink_shape *shape);

/* How many bytes push may be given now (0: the queue is full). */
size_t faultlink_stream_room(const struct faultlink_stream *stream);

/*
 * Takes len bytes read at now_ms: queues what the shape forwards (up to
 * the cut, due after the latency and never before the chunk before),
 * drops the rest. Returns 0, or -1 (ENOMEM) with nothing queued.
 */
int faultlink_stream_push(struct faultlink_stream *stream, uint64_t now_ms,
                          const char *buf, size_t len);

/*
 * Writes what is due at now_ms to fd, piece by piece, as far as the rate
 * and fd allow. Returns why it stopped; *wake_ms is set for
 * FAULTLINK_STREAM_WAIT.
 */
enum faultlink_stream_status faultlink_stream_flush(
    struct faultlink_stream *stream, uint64_t now_ms, int fd,
    uint64_t *wake_ms);

/* True when the cut was reached: every byte up to it is written. */
bool faultlink_stream_cut_reached(const struct faultlink_stream *stream);

#endif
