/*
 * check_join: clients joined to sessions. See check_join.h.
 */
#include "check_join.h"

#include <stdlib.h>
#include <string.h>

int check_join_build(struct check_join *join, const struct check_proxy *proxy)
{
    const struct outcome *outcome = proxy->outcome;

    join->count = 0;
    join->conns = calloc(proxy->session_count + 1, sizeof(*join->conns));
    if (join->conns == NULL)
        return -1;
    join->count = proxy->session_count;
    for (size_t k = 0; k < outcome->burst_count; k++) {
        const struct trace *log = &outcome->bursts[k].log;
        int number = scenario_burst_number(outcome->scenario,
                                           outcome->bursts[k].event);

        for (size_t i = 0; i < log->count; i++) {
            const struct trace_event *ev = &log->events[i];
            const char *local = trace_get(ev, "local");
            const struct check_session *s;

            if (!trace_is(ev, "conn") || local == NULL ||
                strcmp(local, "-") == 0)
                continue;
            s = check_proxy_client(proxy, local, ev->ts);
            if (s != NULL)
                join->conns[s - proxy->sessions] = (struct check_join_conn){
                    .conn = ev, .burst = k, .number = number };
        }
    }
    return 0;
}

void check_join_free(struct check_join *join)
{
    free(join->conns);
    join->conns = NULL;
    join->count = 0;
}

const struct check_join_conn *check_join_of(const struct check_join *join,
                                            size_t session)
{
    if (session >= join->count || join->conns[session].conn == NULL)
        return NULL;
    return &join->conns[session];
}

int check_join_burst_line(const struct outcome *outcome, size_t burst)
{
    int event = burst < outcome->burst_count ? outcome->bursts[burst].event
                                             : -1;

    if (event < 0 || (size_t)event >= outcome->scenario->event_count)
        return 0;
    return outcome->scenario->events[event].line;
}
