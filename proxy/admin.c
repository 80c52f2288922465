/*
 * admin: parse and run control commands. See admin.h.
 */
#include "admin.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "config_options.h"
#include "count_of.h"
#include "logfmt.h"
#include "parse.h"
#include "pool.h"
#include "reload.h"
#include "session.h"
#include "stats.h"
#include "worker.h"

/* Bytes of a command line that ev=control shows. */
#define LOG_CMD_SHOWN 200
/* More words than any command has: the rest is an error. */
#define WORDS_MAX 8

/* One command of the protocol: its words, then its operands. */
struct verb_row {
    enum admin_verb verb;
    const char *words;          /* "set weight" */
    int operands_min;
    int operands_max;
    const char *operands;       /* for help and usage errors */
    const char *help;
};

static const struct verb_row verbs[] = {
    { ADMIN_HELP, "help", 0, 0, "", "list the commands" },
    { ADMIN_SHOW_BACKENDS, "show backends", 0, 0, "",
      "one line per backend" },
    { ADMIN_SHOW_SESSIONS, "show sessions", 0, 0, "",
      "one line per live session" },
    { ADMIN_SHOW_INFO, "show info", 0, 0, "", "the process and its totals" },
    { ADMIN_DISABLE, "disable", 1, 1, " NAME", "no new sessions" },
    { ADMIN_ENABLE, "enable", 1, 1, " NAME", "new sessions again" },
    { ADMIN_DRAIN, "drain", 1, 1, " NAME",
      "no new sessions; ev=drained once none is left" },
    { ADMIN_SET_WEIGHT, "set weight", 2, 2, " NAME N", "weight 1..256" },
    { ADMIN_SET_MAXCONN, "set maxconn", 2, 2, " NAME N",
      "sessions at once, 0: no limit" },
    { ADMIN_ADD_BACKEND, "add backend", 2, WORDS_MAX - 2,
      " NAME HOST:PORT [weight=N] [maxconn=N] [slowstart=MS]",
      "a new backend" },
    { ADMIN_REMOVE_BACKEND, "remove backend", 1, 1, " NAME",
      "a disabled or draining backend without sessions" },
    { ADMIN_RELOAD, "reload", 0, 0, "", "read the config file again" },
    { ADMIN_QUIT, "quit", 0, 0, "", "close this connection" },
};

/* Splits line into words (spaces and tabs) in place. Returns the count,
 * or -1 when there are more than max. */
static int split_words(char *line, char **words, int max)
{
    int count = 0;
    char *save = NULL;

    for (char *w = strtok_r(line, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save)) {
        if (count == max)
            return -1;
        words[count++] = w;
    }
    return count;
}

/* The row whose words start words[], and how many words it took. */
static const struct verb_row *find_verb(char **words, int count, int *used)
{
    for (size_t i = 0; i < COUNT_OF(verbs); i++) {
        char copy[32], *save = NULL, *w;
        int k = 0;

        snprintf(copy, sizeof(copy), "%s", verbs[i].words);
        for (w = strtok_r(copy, " ", &save); w != NULL;
             w = strtok_r(NULL, " ", &save), k++) {
            if (k == count || strcmp(w, words[k]) != 0)
                break;
        }
        if (w == NULL) {
            *used = k;
            return &verbs[i];
        }
    }
    return NULL;
}

/* The error for words that name no command. When the first word starts
 * some (show, set, add, remove), says which words may follow it: "unknown
 * command 'set server': after 'set' comes weight or maxconn". */
static void unknown_command(char **words, int count, char *err,
                            size_t errlen)
{
    char seconds[64] = "";
    size_t first_len = strlen(words[0]);
    int found = 0;

    for (size_t i = 0; i < COUNT_OF(verbs); i++) {
        const char *w = verbs[i].words;

        if (strncmp(w, words[0], first_len) != 0 || w[first_len] != ' ')
            continue;
        snprintf(seconds + strlen(seconds), sizeof(seconds) - strlen(seconds),
                 "%s%s", found > 0 ? ", " : "", w + first_len + 1);
        found++;
    }
    if (found == 0)
        snprintf(err, errlen, "unknown command '%s' (help lists the "
                 "commands)", words[0]);
    else if (count < 2)
        snprintf(err, errlen, "'%s' needs one more word: %s (help lists "
                 "the commands)", words[0], seconds);
    else
        snprintf(err, errlen, "unknown command '%s %s': after '%s' comes "
                 "%s (help lists the commands)", words[0], words[1], words[0],
                 seconds);
}

/* A backend name operand: copied as it is (the balancer says whether it
 * exists); one too long for any backend is an error here. */
static int take_name(struct admin_command *cmd, const char *word, char *err,
                     size_t errlen)
{
    if (strlen(word) >= sizeof(cmd->name)) {
        snprintf(err, errlen, "no backend '%.40s...'", word);
        return -1;
    }
    strcpy(cmd->name, word);
    return 0;
}

/* N of set weight/maxconn, checked against the backend option's row. */
static int take_number(struct admin_command *cmd, const char *setting,
                       const char *word, char *err, size_t errlen)
{
    const struct options_spec *row = options_find(&config_backend_options,
                                                  setting);

    return options_read(row, "", word, &cmd->number, err, errlen);
}

/* add backend NAME HOST:PORT [k=v]...: read with the -b parser, so that
 * a backend is checked the same way wherever it comes from. */
static int take_backend(struct admin_command *cmd, char **operands, int count,
                        char *err, size_t errlen)
{
    struct config *scratch = calloc(1, sizeof(*scratch));
    char text[ADMIN_LINE_MAX + 2];
    size_t used;
    int rc = -1;

    if (scratch == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    used = (size_t)snprintf(text, sizeof(text), "%s=%s", operands[0],
                            operands[1]);
    for (int i = 2; i < count && used < sizeof(text); i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, ",%s",
                                 operands[i]);
    if (strchr(operands[0], '=') != NULL || strchr(operands[1], ',') != NULL)
        snprintf(err, errlen, "a backend is NAME HOST:PORT [key=value]...");
    else if (config_add_backend(scratch, text, err, errlen) == 0) {
        cmd->spec = scratch->backends[0];
        strcpy(cmd->name, cmd->spec.name);
        rc = 0;
    } else if (strncmp(err, "backend '", 9) != 0) {
        /* The -b parser's reasons about one part (a setting, the
         * address) name the backend here, where no option or file line
         * does. */
        char why[256];

        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "backend '%.80s': %s", text, why);
    }
    free(scratch);
    return rc;
}

static int take_operands(struct admin_command *cmd, char **operands,
                         int count, char *err, size_t errlen)
{
    switch (cmd->verb) {
    case ADMIN_DISABLE:
    case ADMIN_ENABLE:
    case ADMIN_DRAIN:
    case ADMIN_REMOVE_BACKEND:
        return take_name(cmd, operands[0], err, errlen);
    case ADMIN_SET_WEIGHT:
    case ADMIN_SET_MAXCONN:
        if (take_name(cmd, operands[0], err, errlen) == -1)
            return -1;
        return take_number(cmd, cmd->verb == ADMIN_SET_WEIGHT ? "weight"
                           : "maxconn", operands[1], err, errlen);
    case ADMIN_ADD_BACKEND:
        return take_backend(cmd, operands, count, err, errlen);
    default:
        return 0;
    }
}

/* admin_parse on a copy of the line that it may cut up. */
static int parse_words(char *line, struct admin_command *cmd, char *err,
                       size_t errlen)
{
    char *words[WORDS_MAX];
    int count = split_words(line, words, (int)COUNT_OF(words));
    const struct verb_row *row;
    int used = 0;

    if (count == 0) {
        snprintf(err, errlen, "empty command (help lists the commands)");
        return -1;
    }
    row = find_verb(words, count < 0 ? WORDS_MAX : count, &used);
    if (row == NULL) {
        unknown_command(words, count < 0 ? WORDS_MAX : count, err, errlen);
        return -1;
    }
    if (count < 0 || count - used < row->operands_min ||
        count - used > row->operands_max) {
        snprintf(err, errlen, "usage: %s%s", row->words, row->operands);
        return -1;
    }
    memset(cmd, 0, sizeof(*cmd));
    cmd->verb = row->verb;
    return take_operands(cmd, words + used, count - used, err, errlen);
}

int admin_parse(const char *line, struct admin_command *cmd, char *err,
                size_t errlen)
{
    char copy[ADMIN_LINE_MAX + 1];
    size_t len = strlen(line);
    int rc;

    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len > ADMIN_LINE_MAX) {
        snprintf(err, errlen, "line longer than %d bytes", ADMIN_LINE_MAX);
        return -1;
    }
    memcpy(copy, line, len);
    copy[len] = '\0';
    rc = parse_words(copy, cmd, err, errlen);
    if (rc == -1)
        parse_escape(err, err, errlen);
    return rc;
}

/* ---- answers ---------------------------------------------------------- */

/* Makes room for more bytes after len. */
static bool answer_grow(struct admin_answer *out, size_t more)
{
    size_t cap = out->cap > 0 ? out->cap : 256;
    char *text;

    if (out->len + more + 1 <= out->cap)
        return true;
    while (cap < out->len + more + 1)
        cap *= 2;
    text = realloc(out->text, cap);
    if (text == NULL) {
        out->failed = true;
        return false;
    }
    out->text = text;
    out->cap = cap;
    return true;
}

void admin_answer_printf(struct admin_answer *out, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !answer_grow(out, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(out->text + out->len, out->cap - out->len, fmt, ap);
    va_end(ap);
    out->len += (size_t)n;
}

void admin_answer_consume(struct admin_answer *out, size_t n)
{
    memmove(out->text, out->text + n, out->len - n);
    out->len -= n;
}

void admin_answer_free(struct admin_answer *out)
{
    free(out->text);
    *out = (struct admin_answer){ 0 };
}

/* ---- commands --------------------------------------------------------- */

static void do_help(struct admin_answer *out)
{
    for (size_t i = 0; i < COUNT_OF(verbs); i++) {
        char usage[96];

        snprintf(usage, sizeof(usage), "%s%s", verbs[i].words,
                 verbs[i].operands);
        /* A usage wider than its column puts the text on a line of its
         * own, in the column. */
        if (strlen(usage) > 40)
            admin_answer_printf(out, "%s\n%-40s %s\n", usage, "",
                                verbs[i].help);
        else
            admin_answer_printf(out, "%-40s %s\n", usage, verbs[i].help);
    }
}

static void do_show_info(const struct admin *admin, struct admin_answer *out)
{
    const struct config *cfg = admin->shared->config;
    const char *file = reload_file(admin->reload);
    struct stats_totals totals;
    char quoted_file[2 * PATH_MAX], quoted_control[2 * PATH_MAX];

    stats_totals_read(admin->shared, NULL, &totals);
    admin_answer_printf(out, "pid=%d uptime_ms=%llu threads=%d balance=%s "
                        "config=%s control=%s backends=%zu reloads=%lu "
                        "accepted=%llu live=%ld accept_pauses=%llu\n",
                        (int)getpid(),
                        (unsigned long long)(clock_now_ms() - admin->start_ms),
                        cfg->threads, balancer_policy_name(cfg->balance),
                        file == NULL ? "-" : logfmt_quote(file, quoted_file,
                                                          sizeof(quoted_file)),
                        logfmt_quote(admin->control_path, quoted_control,
                                     sizeof(quoted_control)),
                        balancer_count(admin->balancer),
                        reload_count(admin->reload),
                        (unsigned long long)totals.accepted, totals.live,
                        (unsigned long long)totals.accept_pauses);
}

static int do_reload(const struct admin *admin, const struct logger *log,
                     struct admin_answer *out, char *err, size_t errlen)
{
    struct reload_result result;

    if (reload_run(admin->reload, RELOAD_CONTROL, log, &result) == -1) {
        snprintf(err, errlen, "%s", result.err);
        return -1;
    }
    admin_answer_printf(out, "ok added=%d removed=%d changed=%d fixed=%d\n",
                        result.added, result.removed, result.changed,
                        result.fixed);
    return 0;
}

/* The slot of the backend a command names, or -1 with err. */
static int find_backend(const struct admin *admin, const char *name, char *err,
                        size_t errlen)
{
    int index = balancer_find(admin->balancer, name);

    if (index == -1)
        snprintf(err, errlen, "no backend '%s' (show backends lists them)",
                 name);
    return index;
}

/* The first event of kind in events, or NULL. */
static const struct balancer_event *event_of(
    const struct balancer_events *events, enum balancer_event_kind kind)
{
    for (size_t i = 0; i < events->count; i++) {
        if (events->ev[i].kind == kind)
            return &events->ev[i];
    }
    return NULL;
}

static void do_show_backends(const struct admin *admin,
                             struct admin_answer *out)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    size_t slots = balancer_snapshot(admin->balancer, rows);

    for (size_t i = 0; i < slots; i++) {
        const struct balancer_stats *row = &rows[i];
        const struct balancer_backend_spec *spec =
            balancer_spec(admin->balancer, i);
        char addr[NET_ADDR_STRLEN], ew[16];

        if (row->removed)
            continue;
        admin_answer_printf(out, "name=%s addr=%s health=%s admin=%s "
                            "ejected=%d active=%d weight=%d eweight=%s "
                            "maxconn=%d picks=%llu failures=%llu "
                            "ejections=%llu\n", spec->name,
                            net_addr_format(&spec->addr, addr, sizeof(addr)),
                            row->up ? "up" : "down",
                            balancer_admin_name(row->admin), row->ejected,
                            row->active, row->weight,
                            balancer_ew_format(row->ew, ew, sizeof(ew)),
                            row->maxconn, (unsigned long long)row->picks,
                            (unsigned long long)row->failures,
                            (unsigned long long)row->ejections);
    }
}

/* Rows asked of a worker at first; more when it has more. */
#define SESSION_ROWS_FIRST 1024
/* How long a worker has to answer: it does so between two passes of its
 * loop, which never block for longer than a few milliseconds. */
#define SESSION_WAIT_MS 1000

/* One worker's sessions into *rows (grown as needed). Returns the count,
 * or -1 when the worker did not answer or memory ran out. */
static int worker_rows(struct worker *worker, struct session_row **rows,
                       size_t *cap)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t total = 0;
        int n = worker_sessions(worker, *rows, *cap, &total,
                                SESSION_WAIT_MS);
        struct session_row *bigger;

        if (n == -1 || total <= *cap || attempt == 1)
            return n;
        /* More came than there was room for: ask again with room for
         * them and for those that arrive meanwhile. */
        bigger = realloc(*rows, (total + total / 2) * sizeof(**rows));
        if (bigger == NULL)
            return n;
        *rows = bigger;
        *cap = total + total / 2;
    }
    return -1;
}

static void put_session_rows(const struct admin *admin, int worker,
                             const struct session_row *rows, int count,
                             struct admin_answer *out)
{
    for (int i = 0; i < count; i++) {
        const struct session_row *r = &rows[i];

        admin_answer_printf(out, "sid=%llu be=%s worker=%d state=%s "
                            "age_ms=%llu bytes_c2b=%llu bytes_b2c=%llu\n",
                            (unsigned long long)r->sid, r->backend < 0 ? "-"
                            : balancer_spec(admin->balancer,
                                            (size_t)r->backend)->name,
                            worker, r->state, (unsigned long long)r->age_ms,
                            (unsigned long long)r->bytes_c2b,
                            (unsigned long long)r->bytes_b2c);
    }
}

/* show sessions: one line per live session, asked of every worker. */
static int do_show_sessions(const struct admin *admin,
                            struct admin_answer *out, char *err,
                            size_t errlen)
{
    size_t cap = SESSION_ROWS_FIRST;
    struct session_row *rows = malloc(cap * sizeof(*rows));
    int rc = 0;

    if (rows == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* No pool: no worker runs yet (or in a test), so no session. */
    for (size_t w = 0; admin->pool != NULL && w < pool_size(admin->pool) &&
                       rc == 0; w++) {
        struct worker *worker = pool_worker(admin->pool, w);
        int count = worker_rows(worker, &rows, &cap);

        if (count == -1) {
            snprintf(err, errlen, "worker %d did not answer within %d ms",
                     worker_id(worker), SESSION_WAIT_MS);
            rc = -1;
        } else
            put_session_rows(admin, worker_id(worker), rows, count, out);
    }
    free(rows);
    return rc;
}

/* "seq=N " of the event a change made; "" when nothing changed (the
 * backend already was so). */
static const char *seq_text(const struct balancer_event *ev, char *buf,
                            size_t size)
{
    if (ev == NULL)
        return "";
    snprintf(buf, size, "seq=%llu ", (unsigned long long)ev->seq);
    return buf;
}

static int do_set_admin(const struct admin *admin, size_t index,
                        enum balancer_admin state,
                        struct balancer_events *events,
                        struct admin_answer *out)
{
    const struct balancer_event *ev;
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    char seq[32];

    if (balancer_set_admin(admin->balancer, index, state, events) == -1)
        return -1;
    ev = event_of(events, BALANCER_EV_ADMIN);
    balancer_snapshot(admin->balancer, rows);
    admin_answer_printf(out, "ok %sbe=%s admin=%s active=%d\n",
                        seq_text(ev, seq, sizeof(seq)),
                        balancer_spec(admin->balancer, index)->name,
                        balancer_admin_name(state), ev != NULL ? (int)ev->b
                        : rows[index].active);
    return 0;
}

static int do_set_number(const struct admin *admin, size_t index,
                         const struct admin_command *cmd,
                         struct balancer_events *events,
                         struct admin_answer *out)
{
    bool weight = cmd->verb == ADMIN_SET_WEIGHT;
    const struct balancer_event *ev;
    char seq[32];
    int rc = weight
        ? balancer_set_weight(admin->balancer, index, (int)cmd->number, events)
        : balancer_set_maxconn(admin->balancer, index, (int)cmd->number,
                               events);

    if (rc == -1)
        return -1;
    ev = event_of(events, weight ? BALANCER_EV_WEIGHT : BALANCER_EV_MAXCONN);
    admin_answer_printf(out, "ok %sbe=%s %s=%ld was=%ld\n",
                        seq_text(ev, seq, sizeof(seq)),
                        balancer_spec(admin->balancer, index)->name,
                        weight ? "weight" : "maxconn", cmd->number,
                        ev != NULL ? ev->b : cmd->number);
    return 0;
}

static int do_add(const struct admin *admin, const struct admin_command *cmd,
                  struct balancer_events *events, struct admin_answer *out,
                  char *err, size_t errlen)
{
    char addr[NET_ADDR_STRLEN], seq[32];
    int index = balancer_add(admin->balancer, &cmd->spec, events);

    if (index == -1 && errno == EEXIST)
        snprintf(err, errlen, "backend '%s' exists already", cmd->name);
    else if (index == -1 && errno == ENOSPC)
        snprintf(err, errlen, "all %d backend slots are used (a removed "
                 "backend's slot is not used again)", BALANCER_MAX_BACKENDS);
    if (index == -1)
        return -1;
    admin_answer_printf(out, "ok %sbe=%s addr=%s weight=%d maxconn=%d\n",
                        seq_text(event_of(events, BALANCER_EV_ADDED), seq,
                                 sizeof(seq)), cmd->name,
                        net_addr_format(&cmd->spec.addr, addr, sizeof(addr)),
                        cmd->spec.weight, cmd->spec.maxconn);
    return 0;
}

static int do_remove(const struct admin *admin, size_t index,
                     struct balancer_events *events, struct admin_answer *out,
                     char *err, size_t errlen)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];
    const char *name = balancer_spec(admin->balancer, index)->name;
    char seq[32];

    if (balancer_remove(admin->balancer, index, events) == 0) {
        admin_answer_printf(out, "ok %sbe=%s\n", seq_text(event_of(events,
                            BALANCER_EV_REMOVED), seq, sizeof(seq)), name);
        return 0;
    }
    if (errno != EBUSY)
        return -1;
    balancer_snapshot(admin->balancer, rows);
    if (rows[index].admin == BALANCER_READY)
        snprintf(err, errlen, "backend '%s' is ready: disable or drain it "
                 "first", name);
    else
        snprintf(err, errlen, "backend '%s' still has %d active sessions: "
                 "remove it once it has drained", name, rows[index].active);
    return -1;
}

/* The commands that work on one backend, or add one. */
static int run_backend_command(const struct admin *admin,
                               const struct logger *log,
                               const struct admin_command *cmd,
                               struct admin_answer *out, char *err,
                               size_t errlen)
{
    static const enum balancer_admin states[] = {
        [ADMIN_DISABLE] = BALANCER_DISABLED, [ADMIN_ENABLE] = BALANCER_READY,
        [ADMIN_DRAIN] = BALANCER_DRAINING };
    struct balancer_events events = { .count = 0 };
    int index = 0, rc;

    err[0] = '\0';
    if (cmd->verb != ADMIN_ADD_BACKEND &&
        (index = find_backend(admin, cmd->name, err, errlen)) == -1)
        return -1;
    if (cmd->verb == ADMIN_ADD_BACKEND)
        rc = do_add(admin, cmd, &events, out, err, errlen);
    else if (cmd->verb == ADMIN_REMOVE_BACKEND)
        rc = do_remove(admin, (size_t)index, &events, out, err, errlen);
    else if (cmd->verb == ADMIN_SET_WEIGHT || cmd->verb == ADMIN_SET_MAXCONN)
        rc = do_set_number(admin, (size_t)index, cmd, &events, out);
    else
        rc = do_set_admin(admin, (size_t)index, states[cmd->verb], &events,
                          out);
    if (rc == -1 && err[0] == '\0')
        snprintf(err, errlen, "backend '%s': %s", cmd->name,
                 errno == ENOENT ? "removed meanwhile" : strerror(errno));
    balancer_log_events(admin->balancer, log, &events, "control");
    /* Enabled again: a removal a reload left waiting is called off now,
     * not at the next poll, which a disable meanwhile would outrun. */
    if (rc == 0 && cmd->verb == ADMIN_ENABLE &&
        reload_keep(admin->reload, (size_t)index))
        log_event(log, LOG_INFO, "removal_cancelled", "be=%s by=control",
                  cmd->name);
    return rc;
}

/* Runs a parsed command: its answer lines into out, or -1 with err. */
static int run_command(const struct admin *admin, const struct logger *log,
                       const struct admin_command *cmd,
                       struct admin_answer *out, char *err, size_t errlen)
{
    switch (cmd->verb) {
    case ADMIN_HELP:
        do_help(out);
        return 0;
    case ADMIN_SHOW_INFO:
        do_show_info(admin, out);
        return 0;
    case ADMIN_RELOAD:
        return do_reload(admin, log, out, err, errlen);
    case ADMIN_SHOW_BACKENDS:
        do_show_backends(admin, out);
        return 0;
    case ADMIN_SHOW_SESSIONS:
        return do_show_sessions(admin, out, err, errlen);
    case ADMIN_QUIT:
        return 0;
    default:
        return run_backend_command(admin, log, cmd, out, err, errlen);
    }
}

/* Logs ev=control for the line, its control bytes escaped, cut to its
 * first LOG_CMD_SHOWN bytes (a longer line is an error anyway). */
static void log_command(const struct logger *log, const char *line,
                        size_t len, const char *err)
{
    char copy[LOG_CMD_SHOWN + 1], escaped[4 * LOG_CMD_SHOWN + 4];
    char quoted[8 * LOG_CMD_SHOWN + 8], err_quoted[2 * CONFIG_ERR_MAX];
    size_t shown = len < LOG_CMD_SHOWN ? len : LOG_CMD_SHOWN;
    const char *cmd;

    memcpy(copy, line, shown);
    copy[shown] = '\0';
    if (shown > 0 && copy[shown - 1] == '\r')
        copy[--shown] = '\0';
    parse_escape(copy, escaped, sizeof(escaped));
    cmd = logfmt_quote(escaped, quoted, sizeof(quoted));
    if (err == NULL)
        log_event(log, LOG_INFO, "control", "cmd=%s status=ok", cmd);
    else
        log_event(log, LOG_INFO, "control", "cmd=%s status=error err=%s",
                  cmd, logfmt_quote(err, err_quoted, sizeof(err_quoted)));
}

/* Parses and runs one line of len bytes (not NUL-terminated). */
static int handle_line(const struct admin *admin, const struct logger *log,
                       const char *line, size_t len, struct admin_answer *out,
                       struct admin_command *cmd, char *err, size_t errlen)
{
    char text[ADMIN_LINE_MAX + 1];

    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len > ADMIN_LINE_MAX) {
        snprintf(err, errlen, "line longer than %d bytes", ADMIN_LINE_MAX);
        return -1;
    }
    if (memchr(line, '\0', len) != NULL) {
        snprintf(err, errlen, "line holds a NUL byte");
        return -1;
    }
    memcpy(text, line, len);
    text[len] = '\0';
    if (admin_parse(text, cmd, err, errlen) == -1)
        return -1;
    return run_command(admin, log, cmd, out, err, errlen);
}

bool admin_handle_line(const struct admin *admin, const struct logger *log,
                       const char *line, size_t len,
                       struct admin_answer *out)
{
    struct admin_command cmd = { .verb = ADMIN_HELP };
    char err[CONFIG_ERR_MAX];
    size_t start = out->len;
    int rc = handle_line(admin, log, line, len, out, &cmd, err, sizeof(err));

    if (rc == -1) {
        /* The line's words are untrusted: no control byte goes back. */
        parse_escape(err, err, sizeof(err));
        out->len = start;
        admin_answer_printf(out, "error: %s\n", err);
    }
    admin_answer_printf(out, "\n");
    log_command(log, line, len, rc == -1 ? err : NULL);
    return rc == 0 && cmd.verb == ADMIN_QUIT;
}
