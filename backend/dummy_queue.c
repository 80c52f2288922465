/*
 * dummy_queue: FIFO of pending replies. See dummy_queue.h.
 */
#include "dummy_queue.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t dummy_queue_format_line(char *out, const char *name, size_t name_len,
                               const char *payload, size_t payload_len)
{
    memcpy(out, name, name_len);
    out[name_len] = ' ';
    memcpy(out + name_len + 1, payload, payload_len);
    out[name_len + 1 + payload_len] = '\n';
    return name_len + payload_len + 2;
}

void dummy_queue_init(struct dummy_queue *queue)
{
    queue->head = NULL;
    queue->tail = NULL;
    queue->count = 0;
    queue->unsent = 0;
}

void dummy_queue_clear(struct dummy_queue *queue)
{
    struct dummy_reply *reply = queue->head;

    while (reply != NULL) {
        struct dummy_reply *next = reply->next;

        free(reply);
        reply = next;
    }
    dummy_queue_init(queue);
}

/* Allocates an unlinked reply of len bytes. Returns NULL with ENOMEM. */
static struct dummy_reply *reply_new(size_t len, uint64_t due_ms)
{
    struct dummy_reply *reply = malloc(sizeof(*reply) + len);

    if (reply == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    reply->next = NULL;
    reply->due_ms = due_ms;
    reply->len = len;
    reply->sent = 0;
    return reply;
}

static void queue_append(struct dummy_queue *queue, struct dummy_reply *reply)
{
    if (queue->tail != NULL)
        queue->tail->next = reply;
    else
        queue->head = reply;
    queue->tail = reply;
    queue->count++;
    queue->unsent += reply->len;
}

int dummy_queue_push_line(struct dummy_queue *queue, const char *name,
                          size_t name_len, const char *payload,
                          size_t payload_len, uint64_t due_ms)
{
    struct dummy_reply *reply = reply_new(name_len + payload_len + 2, due_ms);

    if (reply == NULL)
        return -1;
    dummy_queue_format_line(reply->data, name, name_len, payload, payload_len);
    queue_append(queue, reply);
    return 0;
}

int dummy_queue_push_raw(struct dummy_queue *queue, const char *data,
                         size_t len, uint64_t due_ms)
{
    struct dummy_reply *reply = reply_new(len, due_ms);

    if (reply == NULL)
        return -1;
    memcpy(reply->data, data, len);
    queue_append(queue, reply);
    return 0;
}

struct dummy_reply *dummy_queue_head(const struct dummy_queue *queue)
{
    return queue->head;
}

int dummy_queue_consume(struct dummy_queue *queue, size_t bytes)
{
    struct dummy_reply *head = queue->head;

    assert(head != NULL && bytes <= head->len - head->sent);
    head->sent += bytes;
    queue->unsent -= bytes;
    if (head->sent < head->len)
        return 0;
    queue->head = head->next;
    if (queue->head == NULL)
        queue->tail = NULL;
    queue->count--;
    free(head);
    return 1;
}
