/*
 * faultlink_stream: the queue of chunks and the writer that releases
 * them. See faultlink_stream.h.
 */
#include "faultlink_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

void faultlink_stream_init(struct faultlink_stream *stream, uint64_t seed)
{
    memset(stream, 0, sizeof(*stream));
    stream->shape.cut_bytes = -1;
    stream->shape.fin_delay_ms = -1;
    dummy_delay_init(&stream->delay, 0, 0, seed);
}

void faultlink_stream_free(struct faultlink_stream *stream)
{
    while (stream->head != NULL) {
        struct faultlink_chunk *next = stream->head->next;

        free(stream->head);
        stream->head = next;
    }
    stream->tail = NULL;
    stream->queued = 0;
}

bool faultlink_shape_plain(const struct faultlink_shape *shape)
{
    return !shape->latency && shape->rate == 0 && shape->slice_size == 0 &&
           !shape->discard && shape->cut_bytes < 0 && shape->fin_delay_ms < 0;
}

void faultlink_stream_configure(struct faultlink_stream *stream,
                                const struct faultlink_shape *shape,
                                uint64_t now_ms)
{
    if (shape->rate > 0 && shape->rate != stream->shape.rate)
        dummy_pacer_init(&stream->pacer, (uint64_t)shape->rate, now_ms);
    stream->delay.latency_ms = shape->latency ? shape->latency_ms : 0;
    stream->delay.jitter_ms = shape->latency ? shape->jitter_ms : 0;
    if (shape->cut_bytes >= 0 && stream->shape.cut_bytes < 0)
        stream->cut_from = stream->taken;
    if (shape->slice_size == 0)
        stream->next_piece_ms = 0;
    stream->shape = *shape;
}

size_t faultlink_stream_room(const struct faultlink_stream *stream)
{
    return stream->queued >= FAULTLINK_STREAM_QUEUE_MAX ? 0 :
           FAULTLINK_STREAM_QUEUE_MAX - stream->queued;
}

int faultlink_stream_push(struct faultlink_stream *stream, uint64_t now_ms,
                          const char *buf, size_t len)
{
    const struct faultlink_shape *shape = &stream->shape;
    struct faultlink_chunk *chunk;

    if (shape->discard)
        return 0;
    if (shape->cut_bytes >= 0) {
        uint64_t sent = stream->taken - stream->cut_from;
        uint64_t left = (uint64_t)shape->cut_bytes > sent ?
                        (uint64_t)shape->cut_bytes - sent : 0;

        if (len > left)
            len = (size_t)left;
    }
    if (len == 0)
        return 0;
    chunk = malloc(sizeof(*chunk) + len);
    if (chunk == NULL)
        return -1;
    memcpy(chunk->data, buf, len);
    chunk->len = len;
    chunk->off = 0;
    chunk->next = NULL;
    chunk->due_ms = shape->latency ?
        dummy_delay_due(&stream->delay, now_ms, stream->last_due_ms) :
        (now_ms > stream->last_due_ms ? now_ms : stream->last_due_ms);
    stream->last_due_ms = chunk->due_ms;
    if (stream->tail != NULL)
        stream->tail->next = chunk;
    else
        stream->head = chunk;
    stream->tail = chunk;
    stream->queued += len;
    stream->taken += len;
    return 0;
}

/* How many bytes of the head chunk may go now: 0 with *wake_ms set when
 * the slicer's gap or the rate holds them back. */
static size_t piece_budget(struct faultlink_stream *stream, uint64_t now_ms,
                           uint64_t *wake_ms)
{
    const struct faultlink_shape *shape = &stream->shape;
    size_t budget = stream->head->len - stream->head->off;

    if (shape->slice_size > 0) {
        if (now_ms < stream->next_piece_ms) {
            *wake_ms = stream->next_piece_ms;
            return 0;
        }
        if (budget > (size_t)shape->slice_size)
            budget = (size_t)shape->slice_size;
    }
    if (shape->rate > 0) {
        size_t allowed = dummy_pacer_budget(&stream->pacer, now_ms);

        if (allowed == 0) {
            *wake_ms = dummy_pacer_next_ms(&stream->pacer, now_ms);
            return 0;
        }
        if (budget > allowed)
            budget = allowed;
    }
    return budget;
}

/* Counts n bytes of the head chunk as written; frees it once done. */
static void advance(struct faultlink_stream *stream, size_t n, uint64_t now_ms)
{
    struct faultlink_chunk *head = stream->head;

    head->off += n;
    stream->queued -= n;
    stream->written += n;
    if (stream->shape.rate > 0)
        dummy_pacer_spend(&stream->pacer, n);
    if (stream->shape.slice_size > 0)
        stream->next_piece_ms = now_ms + (uint64_t)stream->shape.slice_delay_ms;
    if (head->off < head->len)
        return;
    stream->head = head->next;
    if (stream->head == NULL)
        stream->tail = NULL;
    free(head);
}

enum faultlink_stream_status faultlink_stream_flush(
    struct faultlink_stream *stream, uint64_t now_ms, int fd,
    uint64_t *wake_ms)
{
    while (stream->head != NULL) {
        size_t budget;
        ssize_t n;

        if (stream->head->due_ms > now_ms) {
            *wake_ms = stream->head->due_ms;
            return FAULTLINK_STREAM_WAIT;
        }
        budget = piece_budget(stream, now_ms, wake_ms);
        if (budget == 0)
            return FAULTLINK_STREAM_WAIT;
        n = net_write(fd, stream->head->data + stream->head->off, budget);
        if (n == NET_AGAIN)
            return FAULTLINK_STREAM_BLOCKED;
        if (n == -1)
            return FAULTLINK_STREAM_ERROR;
        advance(stream, (size_t)n, now_ms);
    }
    return FAULTLINK_STREAM_EMPTY;
}

bool faultlink_stream_cut_reached(const struct faultlink_stream *stream)
{
    return stream->shape.cut_bytes >= 0 && stream->queued == 0 &&
           stream->taken - stream->cut_from >=
           (uint64_t)stream->shape.cut_bytes;
}
