/*
 * simclient_reply: incremental reply checker. See simclient_reply.h.
 */
#include "simclient_reply.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "line.h"

/* Expected bytes are made and compared in pieces of this size. */
#define REPLY_COMPARE_CHUNK 1024

void simclient_reply_start(struct simclient_reply *reply,
                           const struct simclient_payload *expected,
                           enum simclient_reply_expect expect,
                           const char *known_name)
{
    reply->expected = *expected;
    reply->known_name = known_name;
    reply->stage = SIMCLIENT_REPLY_STAGE_NAME;
    reply->name[0] = '\0';
    reply->name_len = 0;
    reply->matched = 0;
    reply->failure = SIMCLIENT_FAILURE_NONE;
    if (expect == SIMCLIENT_REPLY_EXPECT_ECHO) {
        /* No name to read: the first byte is already the payload's. */
        reply->name_len = (size_t)snprintf(reply->name, sizeof(reply->name),
                                           "%s", LINE_ECHO_NAME);
        reply->stage = SIMCLIENT_REPLY_STAGE_PAYLOAD;
    }
}

const char *simclient_reply_name(const struct simclient_reply *reply)
{
    if (reply->stage == SIMCLIENT_REPLY_STAGE_NAME || reply->name_len == 0)
        return NULL;
    return reply->name;
}

static void reply_fail(struct simclient_reply *reply,
                       enum simclient_failure failure)
{
    reply->stage = SIMCLIENT_REPLY_STAGE_BAD;
    reply->failure = failure;
}

static bool name_byte_ok(unsigned char byte)
{
    return byte > ' ' && byte != 0x7f;
}

/* The space after NAME was seen: the name is whole, judge it. */
static void name_complete(struct simclient_reply *reply)
{
    reply->name[reply->name_len] = '\0';
    if (reply->name_len == 0) {
        reply_fail(reply, SIMCLIENT_FAILURE_NONAME);
        return;
    }
    reply->stage = SIMCLIENT_REPLY_STAGE_PAYLOAD;
    if (reply->known_name != NULL && strcmp(reply->name, reply->known_name) != 0)
        reply_fail(reply, SIMCLIENT_FAILURE_SWITCHED);
}

static size_t feed_name(struct simclient_reply *reply, const char *data,
                        size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char byte = (unsigned char)data[i];

        if (byte == ' ') {
            name_complete(reply);
            return i + 1;
        }
        /* An LF here means a line without "NAME ": a raw echo, say. */
        if (!name_byte_ok(byte) || reply->name_len == SIMCLIENT_REPLY_NAME_MAX) {
            /* What we read was no name: do not report it as one. */
            reply->name_len = 0;
            reply->name[0] = '\0';
            reply_fail(reply, SIMCLIENT_FAILURE_NONAME);
            return i;
        }
        reply->name[reply->name_len++] = (char)byte;
    }
    return len;
}

/* Index of the first byte where a and b differ; len when they do not. */
static size_t first_difference(const char *a, const char *b, size_t len)
{
    size_t i = 0;

    while (i < len && a[i] == b[i])
        i++;
    return i;
}

static size_t feed_payload(struct simclient_reply *reply, const char *data,
                           size_t len)
{
    size_t line_len = simclient_payload_line_len(&reply->expected);
    size_t want = line_len - reply->matched;
    size_t used = 0;
    char expected[REPLY_COMPARE_CHUNK];

    if (want > len)
        want = len;
    while (used < want) {
        size_t chunk = want - used < sizeof(expected) ? want - used
                                                      : sizeof(expected);
        size_t same;

        simclient_payload_read(&reply->expected, reply->matched, expected,
                               chunk);
        same = first_difference(data + used, expected, chunk);
        reply->matched += same;
        used += same;
        if (same < chunk) {
            reply_fail(reply, SIMCLIENT_FAILURE_MISMATCH);
            return used;
        }
    }
    if (reply->matched == line_len)
        reply->stage = SIMCLIENT_REPLY_STAGE_DONE;
    return used;
}

ssize_t simclient_reply_feed(struct simclient_reply *reply, const char *data,
                             size_t len)
{
    size_t used = 0;

    if (reply->stage == SIMCLIENT_REPLY_STAGE_NAME)
        used += feed_name(reply, data, len);
    if (reply->stage == SIMCLIENT_REPLY_STAGE_PAYLOAD)
        used += feed_payload(reply, data + used, len - used);
    if (reply->stage == SIMCLIENT_REPLY_STAGE_DONE)
        return (ssize_t)used;
    if (reply->stage == SIMCLIENT_REPLY_STAGE_BAD)
        return -1;
    return SIMCLIENT_REPLY_AGAIN;
}
