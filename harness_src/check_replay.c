/*
 * check_replay: the balancer rebuilt from its log. See check_replay.h.
 */
#include "check_replay.h"

#include <string.h>

void check_replay_init(struct check_replay *replay)
{
    memset(replay, 0, sizeof(*replay));
}

void check_replay_apply(struct check_replay *replay,
                        const struct check_seq_event *event)
{
    int b = event->backend;

    if (b < 0)
        return;
    switch (event->kind) {
    case CHECK_SEQ_PICK:
        if (++replay->active[b] > replay->peak[b])
            replay->peak[b] = replay->active[b];
        break;
    case CHECK_SEQ_RELEASE:
        replay->active[b]--;
        break;
    case CHECK_SEQ_DOWN:
        replay->down[b] = true;
        break;
    case CHECK_SEQ_UP:
        replay->down[b] = false;
        break;
    case CHECK_SEQ_NO_BACKEND:
        break;
    }
}

void check_replay_all(const struct check_proxy *proxy,
                      struct check_replay *replay)
{
    check_replay_init(replay);
    for (size_t i = 0; i < proxy->seq_count; i++)
        check_replay_apply(replay, &proxy->seq[i]);
}

int check_replay_up_at(const struct check_proxy *proxy, double ts)
{
    struct check_replay replay;

    check_replay_init(&replay);
    for (size_t i = 0; i < proxy->seq_count; i++) {
        const struct check_seq_event *event = &proxy->seq[i];

        /* Lines reach the log slightly out of order; time decides here. */
        if ((event->kind == CHECK_SEQ_DOWN || event->kind == CHECK_SEQ_UP) &&
            event->ev->ts <= ts)
            check_replay_apply(&replay, event);
    }
    for (size_t b = 0; b < proxy->scenario_backends; b++) {
        if (!replay.down[b])
            return (int)b;
    }
    return -1;
}
