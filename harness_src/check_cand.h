/*
 * check_cand: reading the cand list of a pick or no_backend line.
 *
 *   cand="b1:2/up b2:3/down b3:0/up/w3 b4:1/draining/w0.37"
 *
 * Each candidate is NAME:ACTIVE/STATE with /wW appended when its effective
 * weight is not 1: W is the effective weight in hundredths (ew) over 100,
 * written as an integer when it is whole (/w3) and with exactly two
 * decimals otherwise (/w0.37, /w2.50), so ew is read back exactly
 * (docs/log-format.md). Pure functions. Single-threaded.
 */
#ifndef CHECK_CAND_H
#define CHECK_CAND_H

#include <stddef.h>

#include "check_proxy.h"

#define CHECK_CAND_NAME_MAX 128

/* In the proxy's order of precedence from DISABLED (the state shown when
 * several hold) down to UP; only UP is eligible. */
enum check_cand_state {
    CHECK_CAND_UP,              /* eligible */
    CHECK_CAND_DOWN,
    CHECK_CAND_FULL,            /* at its maxconn: up for the replay */
    CHECK_CAND_TRIED,           /* this session failed on it: up too */
    CHECK_CAND_DISABLED,        /* admin: no new sessions */
    CHECK_CAND_DRAINING,        /* admin: no new sessions, ends at 0 */
    CHECK_CAND_EJECTED          /* outlier ejection */
};

struct check_cand {
    char name[CHECK_CAND_NAME_MAX];
    int backend;                /* index in the proxy's names, or -1 */
    long active;
    long ew;                    /* effective weight in hundredths; 100
                                   when not shown */
    enum check_cand_state state;
};

/*
 * Parses text (a cand value) into out[0..max). Returns the number of
 * candidates, or -1 when text is NULL, malformed or has more than max.
 */
int check_cand_parse(const struct check_proxy *proxy, const char *text,
                     struct check_cand *out, int max);

/* "up", "down", "full", "tried", "disabled", "draining" or "ejected". */
const char *check_cand_state_name(enum check_cand_state state);

/* An effective weight in hundredths as the cand list writes it ("3",
 * "0.37"), into buf. Returns buf. */
const char *check_cand_weight(long ew, char *buf, size_t size);

#endif
