/*
 * check_retry: retried. See check_retry.h.
 */
#include "check_retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_cand.h"
#include "check_join.h"
#include "check_verdict.h"

/* What the proxy's log says of one session's failed connects. */
struct retry_story {
    const struct trace_event *first_fail;
    /* by index in the proxy's names: the session's failed connect to it */
    const struct trace_event *failed[CHECK_PROXY_MAX_NAMES];
    bool retried;                       /* an ev=retry line */
    const struct trace_event *repeat;   /* the first pick of a backend
                                           that had already failed it */
    const struct trace_event *repeat_fail;  /* that failure */
};

/* Whether ev is a connect_fail that blames a backend. */
static bool blames_backend(const struct trace_event *ev)
{
    return trace_is(ev, "connect_fail") &&
           trace_get_int(ev, "local", 0) != 1 && trace_get(ev, "be") != NULL;
}

/* Whether the story's session had failed to connect to backend name. */
static bool failed_on(const struct check_proxy *proxy,
                      const struct retry_story *story, const char *name)
{
    int b = check_proxy_backend(proxy, name);

    return b >= 0 && story->failed[b] != NULL;
}

/* Reads session sid's lines of the proxy's log, in order, into *story. */
static void read_story(const struct check_proxy *proxy, long long sid,
                       struct retry_story *story)
{
    const struct trace *log = &proxy->outcome->proxy;

    memset(story, 0, sizeof(*story));
    for (size_t i = 0; i < log->count; i++) {
        const struct trace_event *ev = &log->events[i];
        int b;

        if (trace_get_int(ev, "sid", -1) != sid)
            continue;
        story->retried |= trace_is(ev, "retry");
        b = check_proxy_backend(proxy, trace_get(ev, "be"));
        if (trace_is(ev, "pick") && story->repeat == NULL && b >= 0 &&
            story->failed[b] != NULL) {
            story->repeat = ev;
            story->repeat_fail = story->failed[b];
        }
        if (!blames_backend(ev))
            continue;
        if (story->first_fail == NULL)
            story->first_fail = ev;
        if (b >= 0 && story->failed[b] == NULL)
            story->failed[b] = ev;
    }
}

/* A session refused at its retry while no backend was up. */
static bool refused_with_none_up(const struct check_proxy *proxy,
                                 const struct check_session *s)
{
    struct check_cand cands[CHECK_PROXY_MAX_NAMES];
    int count = s->no_backend == NULL ? -1
        : check_cand_parse(proxy, trace_get(s->no_backend, "cand"), cands,
                           CHECK_PROXY_MAX_NAMES);

    for (int i = 0; i < count; i++) {
        if (cands[i].state == CHECK_CAND_UP)
            return false;
    }
    return count >= 0;
}

/* The end of the sentence for a session that failed the check. */
static void tell_failure(const struct check_proxy *proxy,
                         const struct check_join *join, size_t index,
                         const struct retry_story *story, char *buf,
                         size_t size)
{
    const struct check_session *s = &proxy->sessions[index];
    const struct check_join_conn *j = check_join_of(join, index);
    const char *be = s->connected ? trace_get(s->connected, "be") : NULL;
    const char *reason = s->close ? trace_get(s->close, "reason") : NULL;
    const char *result = j ? trace_get(j->conn, "result") : NULL;

    if (story->repeat != NULL)
        snprintf(buf, size, "a retry picked %s again (t=%.3fs)",
                 trace_get(story->repeat, "be"),
                 check_verdict_time(proxy->outcome, story->repeat->ts));
    else if (!story->retried)
        snprintf(buf, size, "it was not retried (it closed with reason %s)",
                 reason ? reason : "- (no close line)");
    else if (be == NULL)
        snprintf(buf, size, "it was retried but never connected (it closed "
                 "with reason %s)", reason ? reason : "- (no close line)");
    else if (failed_on(proxy, story, be))
        snprintf(buf, size, "it was retried on %s, where its connect had "
                 "failed", be);
    else if (j == NULL)
        snprintf(buf, size, "it was retried on %s, but no client's log names "
                 "the session", be);
    else
        snprintf(buf, size, "it was retried on %s, but its client (burst %d) "
                 "failed with %s", be, j->number, result ? result : "?");
}

/* Judges session index; returns 1 served, 0 excused, -1 failed (verdict
 * set). */
static int judge_session(const struct check_proxy *proxy,
                         const struct check_join *join, size_t index,
                         const struct retry_story *story,
                         struct check_verdict *verdict)
{
    const struct check_session *s = &proxy->sessions[index];
    const struct check_join_conn *j = check_join_of(join, index);
    const char *be = s->connected ? trace_get(s->connected, "be") : NULL;
    const char *result = j ? trace_get(j->conn, "result") : NULL;
    const struct trace_event *fail;
    char why[CHECK_REASON_MAX / 2];

    if (story->retried && story->repeat == NULL && be != NULL &&
        !failed_on(proxy, story, be) && result != NULL &&
        strcmp(result, "ok") == 0)
        return 1;
    if (story->retried && story->repeat == NULL && be == NULL &&
        refused_with_none_up(proxy, s))
        return 0;
    fail = story->repeat ? story->repeat_fail : story->first_fail;
    tell_failure(proxy, join, index, story, why, sizeof(why));
    check_verdict_set(verdict, false, "session %lld: the connect to %s "
                      "failed (%s, t=%.3fs), and %s", s->sid,
                      trace_get(fail, "be"),
                      trace_get(fail, "err") ? trace_get(fail, "err") : "?",
                      check_verdict_time(proxy->outcome, fail->ts), why);
    return -1;
}

/* Walks the sessions with a failed connect, in the order of their first
 * one; false once one failed the check. */
static bool judge_all(const struct check_proxy *proxy,
                      const struct check_join *join, long counts[2],
                      struct check_verdict *verdict)
{
    const struct trace *log = &proxy->outcome->proxy;
    bool *judged = calloc(proxy->session_count + 1, sizeof(*judged));
    struct retry_story story;
    int result = 0;

    if (judged == NULL) {
        check_verdict_set(verdict, false, "out of memory");
        return false;
    }
    for (size_t i = 0; i < log->count && result >= 0; i++) {
        size_t index;

        if (!blames_backend(&log->events[i]))
            continue;
        index = check_proxy_session(proxy, trace_get_int(&log->events[i],
                                                         "sid", -1));
        if (index == CHECK_PROXY_NONE || judged[index])
            continue;
        judged[index] = true;
        read_story(proxy, proxy->sessions[index].sid, &story);
        result = judge_session(proxy, join, index, &story, verdict);
        if (result >= 0)
            counts[result]++;
    }
    free(judged);
    return result >= 0;
}

void check_retry(const struct check_proxy *proxy,
                 struct check_verdict *verdict)
{
    struct check_join join;
    long counts[2] = { 0, 0 };      /* excused, served */

    if (check_join_build(&join, proxy) == -1) {
        check_verdict_set(verdict, false, "out of memory joining the clients "
                          "to the sessions");
        return;
    }
    if (judge_all(proxy, &join, counts, verdict) &&
        counts[0] + counts[1] == 0)
        check_verdict_set(verdict, false, "no connect to a backend failed, "
                          "so no retry was shown");
    else if (verdict->reason[0] == '\0')
        check_verdict_set(verdict, true, "%ld session%s whose connect failed "
                          "%s retried on another backend and served (%ld "
                          "refused with no backend up)", counts[1],
                          counts[1] == 1 ? "" : "s",
                          counts[1] == 1 ? "was" : "were", counts[0]);
    check_join_free(&join);
}
