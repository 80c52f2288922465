/*
 * check_cand: reading the cand list of a pick or no_backend line.
 *
 *   cand="b1:2/up b2:3/down b3:0/up/w3"
 *
 * Each candidate is NAME:ACTIVE/STATE with /wW appended when its weight W
 * is not 1 (docs/log-format.md). Pure functions. Single-threaded.
 */
#ifndef CHECK_CAND_H
#define CHECK_CAND_H

#include <stddef.h>

#include "check_proxy.h"

#define CHECK_CAND_NAME_MAX 128

enum check_cand_state {
    CHECK_CAND_UP,              /* eligible */
    CHECK_CAND_DOWN,
    CHECK_CAND_FULL,            /* at its maxconn: up for the replay */
    CHECK_CAND_TRIED            /* this session failed on it: up too */
};

struct check_cand {
    char name[CHECK_CAND_NAME_MAX];
    int backend;                /* index in the proxy's names, or -1 */
    long active;
    long weight;                /* 1 when not shown */
    enum check_cand_state state;
};

/*
 * Parses text (a cand value) into out[0..max). Returns the number of
 * candidates, or -1 when text is NULL, malformed or has more than max.
 */
int check_cand_parse(const struct check_proxy *proxy, const char *text,
                     struct check_cand *out, int max);

/* "up", "down", "full" or "tried". */
const char *check_cand_state_name(enum check_cand_state state);

#endif
