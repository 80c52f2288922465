/*
 * check_cand: reading cand lists. See check_cand.h.
 */
#include "check_cand.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = { "up", "down", "full", "tried" };

const char *check_cand_state_name(enum check_cand_state state)
{
    return state_names[state];
}

static int parse_state(const char *text, size_t len,
                       enum check_cand_state *state)
{
    for (int s = CHECK_CAND_UP; s <= CHECK_CAND_TRIED; s++) {
        if (strlen(state_names[s]) == len &&
            memcmp(text, state_names[s], len) == 0) {
            *state = (enum check_cand_state)s;
            return 0;
        }
    }
    return -1;
}

/* The "/wW" after the state, if any; end is the token's end. */
static int parse_weight(const char *text, const char *end, long *weight)
{
    char *after;

    *weight = 1;
    if (text == end)
        return 0;
    if (end - text < 3 || text[0] != '/' || text[1] != 'w')
        return -1;
    *weight = strtol(text + 2, &after, 10);
    return after == end && *weight >= 1 ? 0 : -1;
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
    return parse_weight(state_end, end, &out->weight);
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
