/*
 * check_replay: the balancer rebuilt from its log. See check_replay.h.
 */
#include "check_replay.h"

#include <string.h>

#include "check_cand.h"

void check_replay_init(struct check_replay *replay)
{
    memset(replay, 0, sizeof(*replay));
    for (size_t b = 0; b < CHECK_PROXY_MAX_NAMES; b++)
        replay->weight[b] = 1;
}

void check_replay_start(struct check_replay *replay,
                        const struct check_proxy *proxy)
{
    const struct scenario *sc = proxy->outcome->scenario;

    check_replay_init(replay);
    for (size_t b = 0; sc != NULL && b < sc->backend_count; b++) {
        replay->weight[b] = sc->backends[b].weight;
        replay->maxconn[b] = sc->backends[b].maxconn;
        replay->absent[b] = sc->backends[b].standby;
    }
}

/* admin=disabled|draining|ready. */
static void apply_admin(struct check_replay *replay, int b,
                        const struct trace_event *ev)
{
    const char *admin = trace_get(ev, "admin");

    if (admin == NULL)
        return;
    if (strcmp(admin, "disabled") == 0)
        replay->admin[b] = CHECK_REPLAY_DISABLED;
    else if (strcmp(admin, "draining") == 0)
        replay->admin[b] = CHECK_REPLAY_DRAINING;
    else
        replay->admin[b] = CHECK_REPLAY_READY;
}

/* A new slot: up, ready, empty, with the added settings. */
static void apply_added(struct check_replay *replay, int b,
                        const struct trace_event *ev)
{
    replay->absent[b] = false;
    replay->active[b] = 0;
    replay->down[b] = false;
    replay->ejected[b] = false;
    replay->admin[b] = CHECK_REPLAY_READY;
    replay->ramp_ms[b] = 0;
    replay->weight[b] = trace_get_int(ev, "weight", 1);
    replay->maxconn[b] = trace_get_int(ev, "maxconn", 0);
}

/* The events that change a backend's state or settings, not its count. */
static void apply_change(struct check_replay *replay, int b,
                         const struct trace_event *ev,
                         enum check_seq_kind kind)
{
    switch (kind) {
    case CHECK_SEQ_DOWN: replay->down[b] = true; break;
    case CHECK_SEQ_UP: replay->down[b] = false; break;
    case CHECK_SEQ_ADMIN: apply_admin(replay, b, ev); break;
    case CHECK_SEQ_WEIGHT:
        replay->weight[b] = trace_get_int(ev, "weight", replay->weight[b]);
        break;
    case CHECK_SEQ_MAXCONN:
        replay->maxconn[b] = trace_get_int(ev, "maxconn", replay->maxconn[b]);
        break;
    case CHECK_SEQ_ADDED: apply_added(replay, b, ev); break;
    case CHECK_SEQ_REMOVED: replay->absent[b] = true; break;
    case CHECK_SEQ_SLOWSTART:
        replay->ramp_ts[b] = ev->ts;
        replay->ramp_ms[b] = trace_get_int(ev, "ms", 0);
        break;
    case CHECK_SEQ_EJECTED: replay->ejected[b] = true; break;
    case CHECK_SEQ_RESTORED: replay->ejected[b] = false; break;
    default:
        return;
    }
    replay->changed[b] = ev;
}

void check_replay_apply(struct check_replay *replay,
                        const struct check_seq_event *event)
{
    int b = event->backend;

    if (b < 0)
        return;
    if (event->kind == CHECK_SEQ_PICK) {
        if (++replay->active[b] > replay->peak[b])
            replay->peak[b] = replay->active[b];
    } else if (event->kind == CHECK_SEQ_RELEASE) {
        replay->active[b]--;
    } else {
        apply_change(replay, b, event->ev, event->kind);
    }
}

void check_replay_all(const struct check_proxy *proxy,
                      struct check_replay *replay)
{
    check_replay_start(replay, proxy);
    for (size_t i = 0; i < proxy->seq_count; i++)
        check_replay_apply(replay, &proxy->seq[i]);
}

bool check_replay_ramping(const struct check_replay *replay, int b,
                          double ts)
{
    return replay->ramp_ms[b] > 0 &&
           ts < replay->ramp_ts[b] + (double)replay->ramp_ms[b] / 1000.0 +
                CHECK_REPLAY_RAMP_SLACK_S;
}

int check_replay_state(const struct check_replay *replay, int b)
{
    if (replay->admin[b] == CHECK_REPLAY_DISABLED)
        return CHECK_CAND_DISABLED;
    if (replay->admin[b] == CHECK_REPLAY_DRAINING)
        return CHECK_CAND_DRAINING;
    if (replay->down[b])
        return CHECK_CAND_DOWN;
    if (replay->ejected[b])
        return CHECK_CAND_EJECTED;
    return -1;
}

int check_replay_up_at(const struct check_proxy *proxy, double ts)
{
    struct check_replay replay;

    check_replay_start(&replay, proxy);
    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *event = &proxy->seq[i];
        enum check_seq_kind kind = event->kind;

        /* Lines reach the log slightly out of order; time decides here. */
        if ((kind == CHECK_SEQ_DOWN || kind == CHECK_SEQ_UP ||
             kind == CHECK_SEQ_ADDED || kind == CHECK_SEQ_REMOVED) &&
            event->ev->ts <= ts)
            check_replay_apply(&replay, event);
    }
    for (size_t b = 0; b < proxy->scenario_backends; b++) {
        if (!replay.down[b] && !replay.absent[b])
            return (int)b;
    }
    return -1;
}
