/*
 * simclient_reply: checks one reply, byte for byte, as its bytes arrive.
 *
 * A correct reply to the request line PAYLOAD LF is NAME SP PAYLOAD LF:
 * NAME is 1..SIMCLIENT_REPLY_NAME_MAX bytes, none of them a space, a
 * control character or DEL; PAYLOAD is the request's payload unchanged.
 * When echoes are expected (a backend in --mode echo), the correct reply
 * is the request line itself, and its name is LINE_ECHO_NAME.
 * The checker is a small state machine fed with whatever the socket gave;
 * it keeps no copy of the reply, only the name and how far it matched, and
 * compares against the expected bytes made by simclient_payload_read().
 * Like picohttpparser, feeding returns the bytes the reply used, -2 for
 * "need more" or -1 for a bad reply.
 *
 * The struct belongs to its caller (one per connection); no shared state.
 */
#ifndef SIMCLIENT_REPLY_H
#define SIMCLIENT_REPLY_H

#include <stddef.h>
#include <sys/types.h>

#include "simclient_failure.h"
#include "simclient_payload.h"

#define SIMCLIENT_REPLY_NAME_MAX 128
#define SIMCLIENT_REPLY_AGAIN (-2)

/* What a correct reply looks like (simulate_client --expect). */
enum simclient_reply_expect {
    SIMCLIENT_REPLY_EXPECT_LINE,    /* NAME SP PAYLOAD LF */
    SIMCLIENT_REPLY_EXPECT_ECHO     /* PAYLOAD LF, the request unchanged */
};

enum simclient_reply_stage {
    SIMCLIENT_REPLY_STAGE_NAME,     /* reading NAME up to its space */
    SIMCLIENT_REPLY_STAGE_PAYLOAD,  /* comparing PAYLOAD LF */
    SIMCLIENT_REPLY_STAGE_DONE,     /* the reply was complete and correct */
    SIMCLIENT_REPLY_STAGE_BAD       /* see failure */
};

/* The state of one reply being checked. */
struct simclient_reply {
    struct simclient_payload expected;  /* the request this answers */
    const char *known_name;     /* earlier replies' backend, or NULL */
    enum simclient_reply_stage stage;
    char name[SIMCLIENT_REPLY_NAME_MAX + 1];
    size_t name_len;
    size_t matched;             /* bytes of PAYLOAD LF found correct */
    enum simclient_failure failure; /* NONAME, SWITCHED or MISMATCH if bad */
};

/*
 * Prepares *reply to check the answer to the request line *expected, in
 * the form expect says. known_name is the name the connection's earlier
 * replies carried (NULL for the first reply); it must stay valid while the
 * reply is fed. An echo has no name to check: it is named LINE_ECHO_NAME.
 */
void simclient_reply_start(struct simclient_reply *reply,
                           const struct simclient_payload *expected,
                           enum simclient_reply_expect expect,
                           const char *known_name);

/*
 * Feeds the next len bytes the peer sent. Returns the number of bytes the
 * reply used, ending with its LF, when the reply is now complete and
 * correct (bytes after it belong to whatever follows); SIMCLIENT_REPLY_AGAIN
 * when all len bytes were used and the reply is not complete yet; -1 when
 * the reply is wrong, with reply->failure saying how (NONAME: no or bad
 * name; SWITCHED: a name other than known_name; MISMATCH: the payload
 * differs, is short or is too long, or an expected echo is not the request
 * line) and reply->matched how far it was right.
 * Must not be called again after it returned a count or -1.
 */
ssize_t simclient_reply_feed(struct simclient_reply *reply, const char *data,
                             size_t len);

/* The reply's backend name once its space was seen, else NULL. */
const char *simclient_reply_name(const struct simclient_reply *reply);

#endif
