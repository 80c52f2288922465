/*
 * check_proxy: the proxy's log indexed for the checks. See check_proxy.h.
 *
 * One pass over the log collects the seq events and (sid, line) pairs into
 * arrays sized by the log (no event is in both more than once); sorting
 * them once gives the replay order and the sessions. Lookups by sid and by
 * client address are binary searches, so a 50,000-pick log costs
 * O(n log n).
 */
#include "check_proxy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "count_of.h"
/* A line that names a session, before grouping. */
struct sid_line {
    long long sid;
    const struct trace_event *ev;
};

static int add_name(struct check_proxy *proxy, const char *name)
{
    int index = check_proxy_backend(proxy, name);

    if (index >= 0 || name == NULL || strcmp(name, "-") == 0)
        return index;
    if (proxy->name_count == CHECK_PROXY_MAX_NAMES)
        return -1;
    proxy->names[proxy->name_count] = name;
    return (int)proxy->name_count++;
}

static bool is_seq_kind(const struct trace_event *ev, enum check_seq_kind *kind)
{
    static const struct {
        const char *ev;
        enum check_seq_kind kind;
    } kinds[] = {
        { "pick", CHECK_SEQ_PICK },
        { "no_backend", CHECK_SEQ_NO_BACKEND },
        { "close", CHECK_SEQ_RELEASE },
        { "connect_fail", CHECK_SEQ_RELEASE },
        { "backend_down", CHECK_SEQ_DOWN },
        { "backend_up", CHECK_SEQ_UP },
        { "admin", CHECK_SEQ_ADMIN },
        { "drained", CHECK_SEQ_DRAINED },
        { "weight", CHECK_SEQ_WEIGHT },
        { "maxconn", CHECK_SEQ_MAXCONN },
        { "backend_added", CHECK_SEQ_ADDED },
        { "backend_removed", CHECK_SEQ_REMOVED },
        { "slowstart", CHECK_SEQ_SLOWSTART },
        { "ejected", CHECK_SEQ_EJECTED },
        { "eject_skipped", CHECK_SEQ_EJECT_SKIPPED },
        { "restored", CHECK_SEQ_RESTORED },
        { "queued", CHECK_SEQ_QUEUED },
        { "queue_timeout", CHECK_SEQ_QUEUE_TIMEOUT },
        { "queue_abandoned", CHECK_SEQ_QUEUE_ABANDONED },
    };

    for (size_t i = 0; i < COUNT_OF(kinds); i++) {
        if (trace_is(ev, kinds[i].ev)) {
            *kind = kinds[i].kind;
            return true;
        }
    }
    return false;
}

/* Adds ev to the seq events when it is one; a release without seq, or of
 * no backend (a queued session's), is a plain close; anything else
 * without one is noted as unnumbered. */
static void collect_seq(struct check_proxy *proxy, const struct trace_event *ev)
{
    enum check_seq_kind kind;
    struct check_seq_event *out;
    long long seq;

    if (!is_seq_kind(ev, &kind))
        return;
    seq = trace_get_int(ev, "seq", -1);
    if (kind == CHECK_SEQ_RELEASE &&
        (trace_get(ev, "seq") == NULL || trace_get(ev, "be") == NULL ||
         strcmp(trace_get(ev, "be"), "-") == 0))
        return;
    if (seq < 0) {
        if (proxy->unnumbered == NULL)
            proxy->unnumbered = ev;
        return;
    }
    out = &proxy->seq[proxy->seq_count++];
    out->seq = seq;
    out->kind = kind;
    out->backend = add_name(proxy, trace_get(ev, "be"));
    out->sid = trace_get_int(ev, "sid", -1);
    out->ev = ev;
    if (kind == CHECK_SEQ_PICK && out->backend >= 0)
        proxy->picks[out->backend]++;
    proxy->pick_count += kind == CHECK_SEQ_PICK;
}

/* Counts connected sessions and connect failures per backend. */
static void count_backend(struct check_proxy *proxy,
                          const struct trace_event *ev)
{
    int backend;

    if (trace_is(ev, "connected")) {
        backend = add_name(proxy, trace_get(ev, "be"));
        proxy->connected_total++;
        if (backend >= 0)
            proxy->connected[backend]++;
    } else if (trace_is(ev, "connect_fail") &&
               trace_get_int(ev, "local", 0) != 1) {
        backend = add_name(proxy, trace_get(ev, "be"));
        if (backend >= 0)
            proxy->failures[backend]++;
    } else if (trace_is(ev, "backend")) {
        add_name(proxy, trace_get(ev, "name"));
    }
}

static int compare_seq(const void *a, const void *b)
{
    const struct check_seq_event *x = a, *y = b;

    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return (x->ev->line > y->ev->line) - (x->ev->line < y->ev->line);
}

static int compare_sid_line(const void *a, const void *b)
{
    const struct sid_line *x = a, *y = b;

    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    return (x->ev->line > y->ev->line) - (x->ev->line < y->ev->line);
}

static int compare_client(const void *a, const void *b)
{
    const struct check_proxy_client *x = a, *y = b;
    int order = strcmp(x->client, y->client);

    if (order != 0)
        return order;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* Stores ev in its session's record (the records are filled in sid order). */
static void file_session_line(struct check_session *session,
                              const struct trace_event *ev)
{
    if (trace_is(ev, "accept") && session->accept == NULL)
        session->accept = ev;
    else if (trace_is(ev, "connected"))
        session->connected = ev;
    else if (trace_is(ev, "close") && session->close == NULL)
        session->close = ev;
    else if (trace_is(ev, "no_backend"))
        session->no_backend = ev;
}

/* Groups the sorted (sid, line) pairs into one session record per sid. */
static void group_sessions(struct check_proxy *proxy,
                           const struct sid_line *lines, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct check_session *session;

        if (i == 0 || lines[i].sid != lines[i - 1].sid) {
            session = &proxy->sessions[proxy->session_count++];
            memset(session, 0, sizeof(*session));
            session->sid = lines[i].sid;
        }
        file_session_line(&proxy->sessions[proxy->session_count - 1],
                          lines[i].ev);
    }
}

static void index_clients(struct check_proxy *proxy)
{
    for (size_t i = 0; i < proxy->session_count; i++) {
        const struct trace_event *accept = proxy->sessions[i].accept;
        const char *client = accept ? trace_get(accept, "client") : NULL;

        if (client == NULL)
            continue;
        proxy->clients[proxy->client_count].client = client;
        proxy->clients[proxy->client_count].ts = accept->ts;
        proxy->clients[proxy->client_count].session = i;
        proxy->client_count++;
    }
    qsort(proxy->clients, proxy->client_count, sizeof(*proxy->clients),
          compare_client);
}

/* One pass over the log; lines holds room for every event. */
static size_t scan_log(struct check_proxy *proxy, struct sid_line *lines)
{
    const struct trace *log = &proxy->outcome->proxy;
    size_t line_count = 0;

    for (size_t i = 0; i < log->count; i++) {
        const struct trace_event *ev = &log->events[i];

        collect_seq(proxy, ev);
        count_backend(proxy, ev);
        if (trace_get(ev, "sid") == NULL)
            continue;
        lines[line_count].sid = trace_get_int(ev, "sid", -1);
        lines[line_count].ev = ev;
        line_count++;
    }
    return line_count;
}

static void start_names(struct check_proxy *proxy,
                        const struct outcome *outcome)
{
    const struct scenario *scenario = outcome->scenario;

    memset(proxy, 0, sizeof(*proxy));
    proxy->outcome = outcome;
    for (size_t i = 0; scenario && i < scenario->backend_count; i++)
        proxy->names[proxy->name_count++] = scenario->backends[i].name;
    proxy->scenario_backends = proxy->name_count;
}

int check_proxy_build(struct check_proxy *proxy,
                      const struct outcome *outcome)
{
    size_t n = outcome->proxy.count + 1;
    struct sid_line *lines = malloc(n * sizeof(*lines));
    size_t line_count;

    start_names(proxy, outcome);
    proxy->seq = malloc(n * sizeof(*proxy->seq));
    proxy->sessions = malloc(n * sizeof(*proxy->sessions));
    proxy->clients = malloc(n * sizeof(*proxy->clients));
    if (!lines || !proxy->seq || !proxy->sessions || !proxy->clients) {
        free(lines);
        check_proxy_free(proxy);
        errno = ENOMEM;
        return -1;
    }
    line_count = scan_log(proxy, lines);
    qsort(proxy->seq, proxy->seq_count, sizeof(*proxy->seq), compare_seq);
    qsort(lines, line_count, sizeof(*lines), compare_sid_line);
    group_sessions(proxy, lines, line_count);
    free(lines);
    index_clients(proxy);
    return 0;
}

void check_proxy_free(struct check_proxy *proxy)
{
    free(proxy->seq);
    free(proxy->sessions);
    free(proxy->clients);
    proxy->seq = NULL;
    proxy->sessions = NULL;
    proxy->clients = NULL;
    proxy->seq_count = proxy->session_count = proxy->client_count = 0;
}

int check_proxy_backend(const struct check_proxy *proxy, const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < proxy->name_count; i++) {
        if (strcmp(proxy->names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

size_t check_proxy_session(const struct check_proxy *proxy, long long sid)
{
    size_t low = 0, high = proxy->session_count;

    while (low < high) {
        size_t mid = low + (high - low) / 2;

        if (proxy->sessions[mid].sid == sid)
            return mid;
        if (proxy->sessions[mid].sid < sid)
            low = mid + 1;
        else
            high = mid;
    }
    return CHECK_PROXY_NONE;
}

/* The first entry whose client is not before client. */
static size_t lower_bound(const struct check_proxy *proxy, const char *client)
{
    size_t low = 0, high = proxy->client_count;

    while (low < high) {
        size_t mid = low + (high - low) / 2;

        if (strcmp(proxy->clients[mid].client, client) < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

const struct check_session *check_proxy_client(const struct check_proxy *proxy,
                                               const char *client, double ts)
{
    size_t first = lower_bound(proxy, client);
    size_t chosen = first;

    if (first == proxy->client_count ||
        strcmp(proxy->clients[first].client, client) != 0)
        return NULL;
    for (size_t i = first; i < proxy->client_count; i++) {
        if (strcmp(proxy->clients[i].client, client) != 0 ||
            proxy->clients[i].ts > ts)
            break;
        chosen = i;
    }
    return &proxy->sessions[proxy->clients[chosen].session];
}
