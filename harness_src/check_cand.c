/*
 * check_cand: reading cand lists. See check_cand.h.
 */
#include "check_cand.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_of.h"

static const char *const state_names[] = {
    "up", "down", "full", "tried", "disabled", "draining", "ejected"
};

const char *check_cand_state_name(enum check_cand_state state)
{
    return state_names[state];
}

const char *check_cand_weight(long ew, char *buf, size_t size)
{
    if (ew % 100 == 0)
        snprintf(buf, size, "%ld", ew / 100);
    else
        snprintf(buf, size, "%ld.%02ld", ew / 100, ew % 100);
    return buf;
}

static int parse_state(const char *text, size_t len,
                       enum check_cand_state *state)
{
    for (size_t s = 0; s < COUNT_OF(state_names); s++) {
        if (strlen(state_names[s]) == len &&
            memcmp(text, state_names[s], len) == 0) {
            *state = (enum check_cand_state)s;
            return 0;
        }
    }
    return -1;
}

/* The "/wW" after the state, if any, in hundredths; end is the token's
 * end. W is digits, or digits, '.' and exactly two digits. */
static int parse_weight(const char *text, const char *end, long *ew)
{
    const char *dot;
    char *after;
    long whole;

    *ew = 100;
    if (text == end)
        return 0;
    if (end - text < 3 || text[0] != '/' || text[1] != 'w' ||
        !isdigit((unsigned char)text[2]))
        return -1;
    whole = strtol(text + 2, &after, 10);
    dot = after;
    if (dot == end) {
        *ew = whole * 100;
        return whole >= 1 ? 0 : -1;
    }
    if (*dot != '.' || end - dot != 3 || !isdigit((unsigned char)dot[1]) ||
        !isdigit((unsigned char)dot[2]))
        return -1;
    *ew = whole * 100 + (dot[1] - '0') * 10 + (dot[2] - '0');
    return *ew >= 1 ? 0 : -1;
}

/* Parses the len bytes of one candidate at text into out. */
static int parse_one(const struct check_proxy *proxy, const char *text,
                     size_t len, struct check_cand *out)
{
    const char *end = text + len, *slash = memchr(text, '/', len);
    const char *colon = slash, *state_end;
    char *after;

    while (colon != NULL && colon > text && *colon != ':')
        colon--;
    if (slash == NULL || colon == text ||
        colon - text >= CHECK_CAND_NAME_MAX)
        return -1;
    memcpy(out->name, text, (size_t)(colon - text));
    out->name[colon - text] = '\0';
    out->backend = check_proxy_backend(proxy, out->name);
    out->active = strtol(colon + 1, &after, 10);
    if (after != slash || after == colon + 1)
        return -1;
    state_end = memchr(slash + 1, '/', (size_t)(end - slash - 1));
    if (state_end == NULL)
        state_end = end;
    if (parse_state(slash + 1, (size_t)(state_end - slash - 1),
                    &out->state) == -1)
        return -1;
    return parse_weight(state_end, end, &out->ew);
}

int check_cand_parse(const struct check_proxy *proxy, const char *text,
                     struct check_cand *out, int max)
{
    int count = 0;

    if (text == NULL)
        return -1;
    while (*text != '\0') {
        size_t len = strcspn(text, " ");

        if (len > 0 && (count == max ||
                        parse_one(proxy, text, len, &out[count++]) == -1))
            return -1;
        text += len + (text[len] == ' ');
    }
    return count;
}
