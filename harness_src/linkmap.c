/*
 * linkmap: pairs a link's connections with the far side's accepts by the
 * link's onward address. See linkmap.h.
 */
#include "linkmap.h"

#include <stdlib.h>
#include <string.h>

/* One connection of the link that went onwards. */
struct passed {
    const char *local;      /* its onward address, as the far side sees it */
    const char *client;     /* the address it relays for */
    size_t order;           /* its place in the link's log */
    bool used;
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

/* By address, then in the link's order. */
static int compare_passed(const void *a, const void *b)
{
    const struct passed *x = a, *y = b;
    int by_local = strcmp(x->local, y->local);

    if (by_local != 0)
        return by_local;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The client of connection id: its conn line, the latest one before. */
static const char *client_of(const struct trace *link, size_t before,
                             long long id)
{
    for (size_t i = before; i-- > 0;) {
        const struct trace_event *ev = &link->events[i];

        if (trace_is(ev, "conn") && trace_get_int(ev, "id", -1) == id)
            return trace_get(ev, "client");
    }
    return NULL;
}

/* The link's onward connections, sorted by compare_passed. Returns how
 * many (*out is malloc'ed; NULL, 0 on no memory or none). */
static size_t collect_passed(const struct trace *link, struct passed **out)
{
    struct passed *passed = calloc(link->count + 1, sizeof(*passed));
    size_t count = 0;

    *out = passed;
    if (passed == NULL)
        return 0;
    for (size_t i = 0; i < link->count; i++) {
        const struct trace_event *ev = &link->events[i];
        const char *local = trace_get(ev, "local");
        const char *client;

        if (!trace_is(ev, "onward") || local == NULL)
            continue;
        client = client_of(link, i, trace_get_int(ev, "id", -1));
        if (client != NULL)
            passed[count++] = (struct passed){ local, client, i, false };
    }
    qsort(passed, count, sizeof(*passed), compare_passed);
    return count;
}

/* The first connection from local not yet paired, or NULL. */
static struct passed *take(struct passed *passed, size_t count,
                           const char *local)
{
    size_t lo = 0, hi = count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(passed[mid].local, local) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < count && strcmp(passed[lo].local, local) == 0; lo++) {
        if (!passed[lo].used) {
            passed[lo].used = true;
            return &passed[lo];
        }
    }
    return NULL;
}

/* Points the value of key in ev to value. */
static void set_value(struct trace_event *ev, const char *key,
                      const char *value)
{
    for (int i = 0; i < ev->count; i++) {
        if (strcmp(ev->pairs[i].key, key) == 0)
            ev->pairs[i].value = value;
    }
}

size_t linkmap_apply(struct trace *far, const char *ev, const char *key,
                     const char *order_key, const struct trace *link)
{
    struct ordered *order = calloc(far->count + 1, sizeof(*order));
    struct passed *passed;
    size_t passed_count = collect_passed(link, &passed);
    size_t count = 0, rewritten = 0;

    for (size_t i = 0; order != NULL && i < far->count; i++) {
        if (!trace_is(&far->events[i], ev) ||
            trace_get(&far->events[i], key) == NULL)
            continue;
        order[count++] = (struct ordered){
            &far->events[i],
            order_key != NULL ? trace_get_int(&far->events[i], order_key, 0)
                              : (long long)i, i };
    }
    if (order != NULL)
        qsort(order, count, sizeof(*order), compare_ordered);
    for (size_t i = 0; order != NULL && i < count; i++) {
        struct passed *p = take(passed, passed_count,
                                trace_get(order[i].ev, key));

        if (p != NULL) {
            set_value(order[i].ev, key, p->client);
            rewritten++;
        }
    }
    free(order);
    free(passed);
    return rewritten;
}
