/*
 * dummy_queue: the replies one connection still owes its peer, in order.
 *
 * Each reply is a heap block holding its bytes, the time it is due and how
 * much of it has been written. The queue owns the blocks; the connection
 * writes from the head and reports progress with dummy_queue_consume().
 * In line mode a reply is "NAME SP PAYLOAD LF"; in echo mode it is a copy of
 * the bytes received. Not thread-safe: one queue per connection.
 */
#ifndef DUMMY_QUEUE_H
#define DUMMY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* One pending reply. */
struct dummy_reply {
    struct dummy_reply *next;
    uint64_t due_ms;        /* clock_now_ms() value from which it may go out */
    size_t len;             /* bytes in data */
    size_t sent;            /* bytes of data already written */
    char data[];
};

/* A FIFO of replies. */
struct dummy_queue {
    struct dummy_reply *head;
    struct dummy_reply *tail;
    size_t count;           /* replies queued */
    size_t unsent;          /* bytes queued and not yet written */
};

/*
 * Writes the line-mode reply "NAME SP PAYLOAD LF" into out, which must hold
 * name_len + payload_len + 2 bytes. Returns the bytes written.
 */
size_t dummy_queue_format_line(char *out, const char *name, size_t name_len,
                               const char *payload, size_t payload_len);

/* Makes an empty queue (no allocation). */
void dummy_queue_init(struct dummy_queue *queue);

/* Frees every reply; the queue is empty afterwards. */
void dummy_queue_clear(struct dummy_queue *queue);

/* Appends the reply to one line. Returns 0, or -1 (ENOMEM), queue unchanged. */
int dummy_queue_push_line(struct dummy_queue *queue, const char *name,
                          size_t name_len, const char *payload,
                          size_t payload_len, uint64_t due_ms);

/* Appends a copy of data[0..len). Returns 0, or -1 (ENOMEM), queue unchanged. */
int dummy_queue_push_raw(struct dummy_queue *queue, const char *data,
                         size_t len, uint64_t due_ms);

/* The oldest reply, or NULL when the queue is empty. */
struct dummy_reply *dummy_queue_head(const struct dummy_queue *queue);

/*
 * Records that bytes more of the head reply were written (at most what is
 * left of it). Returns 1 when that finished the head, which is then freed,
 * or 0 when part of it is still unsent.
 */
int dummy_queue_consume(struct dummy_queue *queue, size_t bytes);

#endif
