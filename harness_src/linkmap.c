/*
 * linkmap: pairs a link's connections with the far side's accepts. See
 * linkmap.h.
 */
#include "linkmap.h"

#include <stdlib.h>
#include <string.h>

/* One connection of the link: its number and its client's address. */
struct passed {
    long long id;
    const char *client;
    bool arrived;           /* not refused, connected onwards */
};

/* A far-side event and the key it is ordered by. */
struct ordered {
    struct trace_event *ev;
    long long order;
    size_t index;           /* file order breaks ties */
};

static int compare_ordered(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;

    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The link's connections, in id order, with the ones that never reached
 * the far side marked. Returns how many (*out is malloc'ed; NULL, 0 on
 * no memory or none). */
static size_t collect_passed(const struct trace *link, struct passed **out)
{
    struct passed *passed = calloc(link->count + 1, sizeof(*passed));
    size_t count = 0;

    *out = passed;
    if (passed == NULL)
        return 0;
    for (size_t i = 0; i < link->count; i++) {
        const struct trace_event *ev = &link->events[i];
        const char *reason = trace_get(ev, "reason");
        long long id = trace_get_int(ev, "id", -1);

        if (trace_is(ev, "conn") && trace_get(ev, "client") != NULL) {
            passed[count++] = (struct passed){ id, trace_get(ev, "client"),
                                               true };
            continue;
        }
        if (!trace_is(ev, "close") || reason == NULL ||
            (strcmp(reason, "connect_failed") != 0 &&
             strcmp(reason, "refused") != 0))
            continue;
        for (size_t j = count; j-- > 0;) {
            if (passed[j].id == id) {
                passed[j].arrived = false;
                break;
            }
        }
    }
    return count;
}

/* Points the value of key in ev to value. */
static bool set_value(struct trace_event *ev, const char *key,
                      const char *value)
{
    for (int i = 0; i < ev->count; i++) {
        if (strcmp(ev->pairs[i].key, key) == 0) {
            ev->pairs[i].value = value;
            return true;
        }
    }
    return false;
}

size_t linkmap_apply(struct trace *far, const char *ev, const char *key,
                     const char *order_key, const struct trace *link)
{
    struct ordered *order = calloc(far->count + 1, sizeof(*order));
    struct passed *passed;
    size_t passed_count = collect_passed(link, &passed);
    size_t count = 0, next = 0, rewritten = 0;

    for (size_t i = 0; order != NULL && i < far->count; i++) {
        if (!trace_is(&far->events[i], ev))
            continue;
        order[count++] = (struct ordered){
            &far->events[i],
            order_key != NULL ? trace_get_int(&far->events[i], order_key, 0)
                              : (long long)i, i };
    }
    if (order != NULL)
        qsort(order, count, sizeof(*order), compare_ordered);
    for (size_t i = 0; order != NULL && i < count; i++) {
        while (next < passed_count && !passed[next].arrived)
            next++;
        if (next == passed_count)
            break;
        rewritten += set_value(order[i].ev, key, passed[next++].client);
    }
    free(order);
    free(passed);
    return rewritten;
}
