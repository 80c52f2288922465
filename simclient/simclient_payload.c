/*
 * simclient_payload: position-addressable request lines.
 * See simclient_payload.h for the layout of a line.
 *
 * Filler byte i comes from block i / 8: one 64-bit hash of (key, block)
 * gives eight 6-bit alphabet indexes, where key mixes seed, connection and
 * request. Hashing is rng_mix (splitmix64's mixing), which is fast and
 * spreads every input bit over the output.
 */
#include "simclient_payload.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "rng.h"

static const char filler_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint64_t payload_key(const struct simclient_payload *payload)
{
    return rng_mix(rng_mix(rng_mix(payload->seed) ^ payload->conn) ^
                   payload->request);
}

static size_t format_tag(char *buf, uint64_t conn, uint64_t request)
{
    int n = snprintf(buf, SIMCLIENT_PAYLOAD_TAG_MAX, "c%" PRIu64 "r%" PRIu64 ":",
                     conn, request);

    return n < 0 ? 0 : (size_t)n;
}

size_t simclient_payload_tag_len(uint64_t conn, uint64_t request)
{
    char tag[SIMCLIENT_PAYLOAD_TAG_MAX];

    return format_tag(tag, conn, request);
}

size_t simclient_payload_line_len(const struct simclient_payload *payload)
{
    return payload->size + 1;
}

void simclient_payload_read(const struct simclient_payload *payload,
                            size_t offset, char *buf, size_t len)
{
    char tag[SIMCLIENT_PAYLOAD_TAG_MAX];
    size_t tag_len = format_tag(tag, payload->conn, payload->request);
    uint64_t key = payload_key(payload);
    uint64_t bits = 0;

    assert(offset + len <= simclient_payload_line_len(payload));
    for (size_t i = 0; i < len; i++) {
        size_t pos = offset + i;

        if (pos == payload->size) {
            buf[i] = '\n';
        } else if (pos < tag_len) {
            buf[i] = tag[pos];
        } else {
            /* A new block at every multiple of 8, and at the first byte. */
            if (pos % 8 == 0 || i == 0 || pos == tag_len)
                bits = rng_mix(key ^ rng_mix(pos / 8));
            buf[i] = filler_alphabet[(bits >> (6 * (pos % 8))) & 63];
        }
    }
}
