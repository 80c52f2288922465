/*
 * scenario: the .scn parser. See scenario.h and docs/scenarios.md.
 *
 * The text is read twice. The first pass (the survey) only notes the
 * backends' names, their "down" flags and the timeout, and reports nothing;
 * the second pass parses every line for real. Thanks to the survey a line
 * may name a backend declared further down, and every error still comes
 * out in line order, the first one first.
 *
 * Lines are copied one at a time into a buffer of LINE_MAX_BYTES + 1, cut
 * at '#', and split into words in place; nothing else is allocated, except
 * the whole file in scenario_parse_file. Events and expectations fill the
 * next free slot of their array in *out and count it only when their line
 * had no error; a backend with a good name is declared even when its options
 * are wrong, so that the lines naming it do not fail too.
 *
 * The live faults (link, heal, set, client behaviours) are read with the
 * other programs' own parsers: fault_link's faultlink_fault_parse,
 * dummy_server's dummy_control_run, simulate_client's
 * simclient_options_parse, so a scenario accepts exactly what they do.
 * What needs the whole file (a heal with no link before it, a fault on a
 * backend that never runs, no-read clients judged by "clients ok") is
 * checked after the last line, and the chaos plan (chaos.h) drawn then.
 *
 * Pure functions over caller-owned memory, no state between calls.
 */
#include "scenario.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "count_of.h"
#include "file.h"
#include "../proxy/config_options.h"
#include "../backend/dummy_options.h"
#include "../backend/dummy_control.h"
#include "../faultlink/faultlink_fault.h"
#include "../simclient/simclient_options.h"
#include "chaos.h"
#include "line.h"
#include "scenario_sim.h"
#include "options.h"
#include "parse.h"

#define LINE_MAX_BYTES 1000             /* longer lines are an error */
#define FILE_MAX_BYTES (1024L * 1024L)  /* longer files are an error */
#define WORDS_MAX 40                    /* per line */
#define SHOWN_MAX 48                    /* a word quoted in a message */
#define SHOWN_PATH_MAX 1024             /* a file name in a message */
#define LIST_MAX 1400                   /* a list of names in a message */
#define MESSAGE_MAX 256                 /* one message from another module */

#define SEED_MAX 2147483647L
#define TIMEOUT_MIN_MS 1000L
#define TIMEOUT_MAX_MS 600000L          /* also the limit of every time */
#define TIMEOUT_DEFAULT_MS 30000L
#define PICKS_MAX 1000000000L
#define FAILED_MAX 1000000000L
#define POINTS_MAX 1000L
#define CHAOS_GAP_MIN_MS 100L           /* a fault lasts half a gap */
#define LINK_TARGETS (SCENARIO_MAX_BACKENDS + 1)    /* backends, clients */

/* What an option of a directive sets (proxy options are all stored). */
enum option_target {
    TARGET_STORE,           /* kept as key=value in an options array */
    TARGET_WEIGHT, TARGET_MAXCONN, TARGET_START, TARGET_DOWN,
    TARGET_BLACKHOLE, TARGET_STANDBY,
    TARGET_REQUESTS, TARGET_SIZE, TARGET_HOLD, TARGET_RAMP, TARGET_TIMEOUT,
    TARGET_HALF_CLOSE, TARGET_MAY_FAIL, TARGET_READ_RATE, TARGET_WRITE_RATE,
    TARGET_BEHAVIOUR,       /* a simulate_client behaviour */
    /* The simulator's own (scenario_sim.h): */
    TARGET_SERVICE, TARGET_MEAN, TARGET_SHAPE, TARGET_CONCURRENCY,
    TARGET_DISCIPLINE, TARGET_RATE, TARGET_COUNT,
    TARGET_NONE             /* a lone value (seed, at, picks ...) */
};

/*
 * One option, or one lone value. An option that a program reads names that
 * program's table (source): its kind, range and words are the program's
 * own row, so a scenario accepts exactly what the program accepts. The
 * harness's own values carry their kind and range here.
 */
struct option_rule {
    const char *key;
    enum options_kind kind;
    long min;
    long max;
    const char *words;      /* OPTIONS_WORD: allowed values, '|'-separated */
    enum option_target target;
    const struct options_table *source;
};

/* The options one directive accepts. */
struct option_set {
    const char *what;       /* "proxy", "backend", "clients" */
    const struct option_rule *rules;
    size_t count;
};

#define PROXY_RULE(key) { key, .source = &config_options }
#define DUMMY_RULE(key) { key, .source = &dummy_options_table }

static const struct option_rule proxy_rules[] = {
    PROXY_RULE("threads"), PROXY_RULE("balance"),
    PROXY_RULE("connect-timeout"), PROXY_RULE("idle-timeout"),
    PROXY_RULE("health-interval"), PROXY_RULE("grace"), PROXY_RULE("rise"),
    PROXY_RULE("fall"), PROXY_RULE("maxconn"),
    PROXY_RULE("slowstart"), PROXY_RULE("eject-after"),
    PROXY_RULE("eject-time"), PROXY_RULE("eject-max-time"),
    PROXY_RULE("eject-max-percent"), PROXY_RULE("queue"),
    PROXY_RULE("queue-timeout"),
};

static const struct option_rule backend_rules[] = {
    DUMMY_RULE("latency"), DUMMY_RULE("jitter"), DUMMY_RULE("mode"),
    DUMMY_RULE("rate"), DUMMY_RULE("crash-after-conns"),
    DUMMY_RULE("crash-after-lines"), DUMMY_RULE("close-after-lines"),
    DUMMY_RULE("reset-after-lines"), DUMMY_RULE("hang"), DUMMY_RULE("refuse"),
    { "weight", .target = TARGET_WEIGHT, .source = &config_backend_options },
    { "maxconn", .target = TARGET_MAXCONN,
      .source = &config_backend_options },
    { "start", OPTIONS_DURATION, 0, TIMEOUT_MAX_MS, NULL, TARGET_START, NULL },
    { "down", OPTIONS_FLAG, 0, 0, NULL, TARGET_DOWN, NULL },
    { "blackhole", OPTIONS_FLAG, 0, 0, NULL, TARGET_BLACKHOLE, NULL },
    { "standby", OPTIONS_FLAG, 0, 0, NULL, TARGET_STANDBY, NULL },
    { "service", OPTIONS_WORD, 0, 0, "fixed|exp|pareto|lognormal",
      TARGET_SERVICE, NULL },
    { "mean", OPTIONS_TEXT, 0, 0, NULL, TARGET_MEAN, NULL },
    { "alpha", OPTIONS_TEXT, 0, 0, NULL, TARGET_SHAPE, NULL },
    { "sigma", OPTIONS_TEXT, 0, 0, NULL, TARGET_SHAPE, NULL },
    { "concurrency", OPTIONS_COUNT, 0, 100000, NULL, TARGET_CONCURRENCY,
      NULL },
    { "discipline", OPTIONS_WORD, 0, 0, "fifo|ps", TARGET_DISCIPLINE, NULL },
};

/* "add NAME ...": the proxy's own backend settings. */
static const struct option_rule add_rules[] = {
    { "weight", .target = TARGET_WEIGHT, .source = &config_backend_options },
    { "maxconn", .target = TARGET_MAXCONN,
      .source = &config_backend_options },
    { "slowstart", .target = TARGET_START,
      .source = &config_backend_proxy_options },
};

static const struct option_rule burst_rules[] = {
    { "requests", OPTIONS_COUNT, 1, 100000, NULL, TARGET_REQUESTS, NULL },
    { "size", OPTIONS_SIZE, 16, LINE_PAYLOAD_MAX, NULL, TARGET_SIZE, NULL },
    { "hold", OPTIONS_DURATION, 0, TIMEOUT_MAX_MS, NULL, TARGET_HOLD, NULL },
    { "ramp", OPTIONS_DURATION, 0, TIMEOUT_MAX_MS, NULL, TARGET_RAMP, NULL },
    { "timeout", OPTIONS_DURATION, 1, TIMEOUT_MAX_MS, NULL, TARGET_TIMEOUT, NULL },
    { "half-close", OPTIONS_FLAG, 0, 0, NULL, TARGET_HALF_CLOSE, NULL },
    { "read-rate", OPTIONS_SIZE, 1, 1073741824L, NULL, TARGET_READ_RATE,
      NULL },
    { "write-rate", OPTIONS_SIZE, 1, 1073741824L, NULL, TARGET_WRITE_RATE,
      NULL },
    { "may-fail", OPTIONS_FLAG, 0, 0, NULL, TARGET_MAY_FAIL, NULL },
    { "no-read", .target = TARGET_BEHAVIOUR, .source = &simclient_options_table },
    { "abort", .target = TARGET_BEHAVIOUR, .source = &simclient_options_table },
    { "trickle", .target = TARGET_BEHAVIOUR, .source = &simclient_options_table },
    { "idle", .target = TARGET_BEHAVIOUR, .source = &simclient_options_table },
    { "connect-only", .target = TARGET_BEHAVIOUR,
      .source = &simclient_options_table },
    { "rate", OPTIONS_TEXT, 0, 0, NULL, TARGET_RATE, NULL },
    { "count", OPTIONS_COUNT, 1, SCENARIO_SIM_COUNT_MAX, NULL, TARGET_COUNT,
      NULL },
};

#define RULES(rules) (rules), COUNT_OF(rules)

static const struct option_set proxy_set = { "proxy", RULES(proxy_rules) };
static const struct option_set backend_set = { "backend",
                                               RULES(backend_rules) };
static const struct option_set burst_set = { "clients", RULES(burst_rules) };
static const struct option_set add_set = { "add", RULES(add_rules) };

/* Lone values. */
static const struct option_rule seed_rule =
    { "seed", OPTIONS_COUNT, 0, SEED_MAX, NULL, TARGET_NONE, NULL };
static const struct option_rule timeout_rule =
    { "timeout", OPTIONS_DURATION, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS, NULL,
      TARGET_NONE, NULL };
static const struct option_rule at_rule =
    { "at", OPTIONS_DURATION, 0, TIMEOUT_MAX_MS, NULL, TARGET_NONE, NULL };
static const struct option_rule picks_rule =
    { "picks", OPTIONS_COUNT, 1, PICKS_MAX, NULL, TARGET_NONE, NULL };
static const struct option_rule clients_rule =
    { "clients", OPTIONS_COUNT, 1, 10000, NULL, TARGET_NONE, NULL };
static const struct option_rule points_rule =
    { "points", OPTIONS_COUNT, 0, POINTS_MAX, NULL, TARGET_NONE, NULL };
static const struct option_rule within_rule =
    { "within", OPTIONS_DURATION, 1, TIMEOUT_MAX_MS, NULL, TARGET_NONE, NULL };
static const struct option_rule sessions_rule =
    { "sessions<=", OPTIONS_DURATION, 1, TIMEOUT_MAX_MS, NULL, TARGET_NONE,
      NULL };
/* A bound on the proxy's resident memory: from a page to 1 GiB. */
static const struct option_rule rss_rule =
    { "proxy-rss<=", OPTIONS_SIZE, 4096, 1073741824L, NULL, TARGET_NONE,
      NULL };
static const struct option_rule rss_growth_rule =
    { "proxy-rss-growth<=", OPTIONS_SIZE, 4096, 1073741824L, NULL,
      TARGET_NONE, NULL };
static const struct option_rule queue_wait_rule =
    { "queue-wait<=", OPTIONS_DURATION, 1, TIMEOUT_MAX_MS, NULL, TARGET_NONE,
      NULL };
static const struct option_rule failed_rule =
    { "failed<=", OPTIONS_COUNT, 0, FAILED_MAX, NULL, TARGET_NONE, NULL };
static const struct option_rule chaos_time_rule =
    { "chaos", OPTIONS_DURATION, 0, TIMEOUT_MAX_MS, NULL, TARGET_NONE, NULL };
static const struct option_rule chaos_gap_rule =
    { "every", OPTIONS_DURATION, CHAOS_GAP_MIN_MS, TIMEOUT_MAX_MS, NULL,
      TARGET_NONE, NULL };
static const struct option_rule chaos_targets_rule =
    { "targets", OPTIONS_WORD, 0, 0, "one|minority|all", TARGET_NONE, NULL };
static const struct option_rule latency_rule =
    { "latency", OPTIONS_DURATION, 1, TIMEOUT_MAX_MS, NULL, TARGET_NONE,
      NULL };
static const struct option_rule burst_number_rule =
    { "burst", OPTIONS_COUNT, 1, SCENARIO_MAX_EVENTS, NULL, TARGET_NONE,
      NULL };

/* The checks written as fixed words. */
static const struct {
    const char *text;
    enum scenario_check check;
} fixed_checks[] = {
    { "leastconn", SCENARIO_CHECK_LEASTCONN },
    { "p2c", SCENARIO_CHECK_P2C },
    { "counts zero", SCENARIO_CHECK_COUNTS_ZERO },
    { "relay exact", SCENARIO_CHECK_RELAY_EXACT },
    { "clients ok", SCENARIO_CHECK_CLIENTS_OK },
    { "no-lost-clients", SCENARIO_CHECK_NO_LOST_CLIENTS },
    { "threads stable", SCENARIO_CHECK_THREADS_STABLE },
    { "resets passed", SCENARIO_CHECK_RESETS_PASSED },
    { "stop clean", SCENARIO_CHECK_STOP_CLEAN },
    { "workers used", SCENARIO_CHECK_WORKERS_USED },
    { "health exact", SCENARIO_CHECK_HEALTH_EXACT },
    { "fds stable", SCENARIO_CHECK_FDS_STABLE },
    { "no-hol", SCENARIO_CHECK_NO_HOL },
    { "retried", SCENARIO_CHECK_RETRIED },
    { "queue fifo", SCENARIO_CHECK_QUEUE_FIFO },
};

static const char *const action_names[] = {
    [SCENARIO_CLIENTS] = "clients", [SCENARIO_CRASH] = "crash",
    [SCENARIO_STOP] = "stop", [SCENARIO_PAUSE] = "pause",
    [SCENARIO_RESUME] = "resume", [SCENARIO_RESTART] = "restart",
    [SCENARIO_START] = "start", [SCENARIO_LINK] = "link",
    [SCENARIO_HEAL] = "heal", [SCENARIO_SET] = "set",
    [SCENARIO_DRAIN] = "drain", [SCENARIO_DISABLE] = "disable",
    [SCENARIO_ENABLE] = "enable", [SCENARIO_WEIGHT] = "weight",
    [SCENARIO_MAXCONN] = "maxconn", [SCENARIO_ADD] = "add",
    [SCENARIO_REMOVE] = "remove", [SCENARIO_RELOAD] = "reload",
};

static const char *const chaos_kind_names[SCENARIO_CHAOS_KINDS] = {
    [SCENARIO_CHAOS_CRASH] = "crash", [SCENARIO_CHAOS_PAUSE] = "pause",
    [SCENARIO_CHAOS_LINK_LATENCY] = "link-latency",
    [SCENARIO_CHAOS_LINK_SLICER] = "link-slicer",
    [SCENARIO_CHAOS_LINK_RESET] = "link-reset",
    [SCENARIO_CHAOS_LINK_BLACKHOLE] = "link-blackhole",
    [SCENARIO_CHAOS_SYN_DROP] = "syn-drop", [SCENARIO_CHAOS_REFUSE] = "refuse",
};

/* Each option is stored at most once, so the arrays cannot overflow; every
 * set of rules also fits the 32-bit "seen" masks. */
_Static_assert(COUNT_OF(proxy_rules) <= SCENARIO_MAX_OPTIONS,
               "proxy options must fit scenario->proxy[]");
/* The last BACKEND_SERVICE_RULES backend rules fill backend->service. */
#define BACKEND_SERVICE_RULES 6
_Static_assert(COUNT_OF(backend_rules) - BACKEND_SERVICE_RULES <=
               SCENARIO_MAX_OPTIONS,
               "backend options must fit backend->options[]");
_Static_assert(COUNT_OF(backend_rules) <= 32 && COUNT_OF(burst_rules) <= 32,
               "the rules must fit the seen masks");

/* What the first pass learns about the whole file. */
struct survey {
    char names[SCENARIO_MAX_BACKENDS][SCENARIO_NAME_MAX];
    bool down[SCENARIO_MAX_BACKENDS];
    size_t count;
    bool timeout_seen;
    long timeout_ms;        /* the first timeout line's, or the default */
    size_t bursts;          /* clients actions ("burst=N" names them) */
    long idle_timeout_ms;   /* the proxy's idle-timeout=; -1 not given */
};

/* The second pass. */
struct parser {
    const char *name;       /* file name for messages */
    FILE *errors;           /* NULL: count errors, print nothing */
    struct scenario *out;
    int line;               /* the line being parsed */
    int error_count;
    int seed_line;          /* 0 until a seed line is seen */
    int timeout_line;
    unsigned proxy_seen;    /* bit i: proxy_rules[i] was given */
    int start_line[SCENARIO_MAX_BACKENDS];  /* "start NAME" events */
    bool past_header;       /* a directive was seen: no more description */
    struct survey survey;
};

static void parse_link(struct parser *p, struct scenario_event *event,
                       char **words, int count);
static void parse_heal(struct parser *p, struct scenario_event *event,
                       char **words, int count);
static void parse_set(struct parser *p, struct scenario_event *event,
                      char **words, int count);
static void parse_operation(struct parser *p, struct scenario_event *event,
                            char **words, int count);
static void check_burst(struct parser *p, const struct scenario_burst *burst);

/* Walks a text line by line. */
struct line_reader {
    const char *data;
    size_t len;
    size_t pos;
    int number;             /* of the line last returned */
};

enum line_status { LINE_OK, LINE_END, LINE_TOO_LONG, LINE_HAS_NUL };

typedef void (*directive_fn)(struct parser *p, char **words, int count);

static void report(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes one "name:line: message" line (line 0: "name: message"). */
static void report(struct parser *p, int line, const char *fmt, ...)
{
    char name[SHOWN_PATH_MAX];
    va_list ap;

    if (p->error_count < INT_MAX)
        p->error_count++;
    if (p->errors == NULL)
        return;
    parse_escape(p->name, name, sizeof(name));
    if (line > 0)
        fprintf(p->errors, "%s:%d: ", name, line);
    else
        fprintf(p->errors, "%s: ", name);
    va_start(ap, fmt);
    vfprintf(p->errors, fmt, ap);
    va_end(ap);
    fputc('\n', p->errors);
}

/* Copies src into dst[size], cut before a whole UTF-8 character if needed. */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);

    if (len >= size) {
        len = size - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* The row that says how rule's value is read: the program's own, or one
 * made of the rule's fields in *own. */
static const struct options_spec *rule_spec(const struct option_rule *rule,
                                            struct options_spec *own)
{
    const struct options_spec *spec;

    if (rule->source != NULL) {
        spec = options_find(rule->source, rule->key);
        assert(spec != NULL);   /* test_scenario checks every source rule */
        return spec;
    }
    *own = (struct options_spec){
        .name = rule->key, .kind = rule->kind, .min = rule->min,
        .max = rule->max, .words = rule->words,
    };
    return own;
}

/* Reads text as a value of rule into *number (0 for flags; a word's index).
 * Reports and returns -1 when it is not one. */
static int read_value(struct parser *p, const struct option_rule *rule,
                      const char *text, long *number)
{
    struct options_spec own;
    char err[MESSAGE_MAX];

    if (options_read(rule_spec(rule, &own), "", text, number, err,
                     sizeof(err)) == 0)
        return 0;
    report(p, p->line, "%s", parse_escape(err, err, sizeof(err)));
    return -1;
}

/* "latency=DURATION, ..., hang": what set accepts, for messages. */
static const char *list_options(const struct option_set *set, char *buf,
                                size_t size)
{
    /* Every kind has its entry: a kind left out would be read past the
     * table's end. */
    static const char *const placeholders[] = {
        [OPTIONS_FLAG] = "", [OPTIONS_COUNT] = "=N",
        [OPTIONS_DURATION] = "=DURATION", [OPTIONS_SECONDS] = "=DURATION",
        [OPTIONS_SIZE] = "=BYTES", [OPTIONS_WORD] = "=",
        [OPTIONS_TEXT] = "=VALUE", [OPTIONS_CUSTOM] = "=VALUE",
        [OPTIONS_HELP] = "", [OPTIONS_VERSION] = ""
    };
    _Static_assert(OPTIONS_VERSION + 1 == COUNT_OF(placeholders),
                   "a placeholder for every options kind");
    struct options_spec own;
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < set->count && used < size; i++) {
        const struct options_spec *spec = rule_spec(&set->rules[i], &own);

        used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s",
                                 i > 0 ? ", " : "", spec->name,
                                 placeholders[spec->kind],
                                 spec->words != NULL ? spec->words : "");
    }
    return buf;
}

/* The rule of set called key, or NULL. */
static const struct option_rule *find_rule(const struct option_set *set,
                                           const char *key)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->rules[i].key, key) == 0)
            return &set->rules[i];
    }
    return NULL;
}

/* Checks that word (KEY or KEY=VALUE, cut in place at '=') fits its rule. */
static const struct option_rule *read_key(struct parser *p,
                                          const struct option_set *set,
                                          char *word, const char **value)
{
    char *equals = strchr(word, '=');
    char key[SHOWN_MAX], allowed[LIST_MAX];
    const struct option_rule *rule;
    struct options_spec own;
    bool flag;

    if (equals != NULL)
        *equals = '\0';
    *value = equals != NULL ? equals + 1 : NULL;
    rule = find_rule(set, word);
    flag = rule != NULL && !options_takes_value(rule_spec(rule, &own));
    parse_escape(word, key, sizeof(key));
    if (rule == NULL)
        report(p, p->line, "unknown %s option '%s' (allowed: %s)", set->what,
               key, list_options(set, allowed, sizeof(allowed)));
    else if (flag && *value != NULL)
        report(p, p->line, "%s is a flag: write '%s' without '='", key, key);
    else if (!flag && *value == NULL)
        report(p, p->line, "%s needs a value: write %s=VALUE", key, key);
    else if (*value != NULL && strlen(*value) >= SCENARIO_VALUE_MAX)
        report(p, p->line, "%s: the value is longer than %d characters", key,
               SCENARIO_VALUE_MAX - 1);
    else
        return rule;
    return NULL;
}

/*
 * Reads one option word of set. *seen has bit i set for every rule i given
 * before on the line (or file). Returns the rule, with *value ("" for a
 * flag) and *number set, or NULL after reporting why not.
 */
static const struct option_rule *read_option(struct parser *p,
                                             const struct option_set *set,
                                             char *word, unsigned *seen,
                                             const char **value, long *number)
{
    const struct option_rule *rule = read_key(p, set, word, value);
    unsigned bit;

    if (rule == NULL)
        return NULL;
    bit = 1u << (rule - set->rules);
    if (*seen & bit) {
        report(p, p->line, "%s option %s is given twice", set->what,
               rule->key);
        return NULL;
    }
    *seen |= bit;
    if (*value == NULL)
        *value = "";
    return read_value(p, rule, *value, number) == 0 ? rule : NULL;
}

/* True for a valid backend name: 1..31 of [A-Za-z0-9_.-]. */
static bool name_is_valid(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= SCENARIO_NAME_MAX)
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_.-") == len;
}

/* The index of name among the surveyed backends, or -1. */
static int survey_find(const struct survey *survey, const char *name)
{
    for (size_t i = 0; i < survey->count; i++) {
        if (strcmp(survey->names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* "declared: b1, b2" or "no backend is declared", for messages. */
static const char *list_declared(const struct survey *survey, char *buf,
                                 size_t size)
{
    size_t used;

    if (survey->count == 0) {
        snprintf(buf, size, "no backend is declared");
        return buf;
    }
    used = (size_t)snprintf(buf, size, "declared:");
    for (size_t i = 0; i < survey->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s %s",
                                 i > 0 ? "," : "", survey->names[i]);
    return buf;
}

/* The index of the backend called name (declared anywhere in the file);
 * reports and returns -1 when there is none. */
static int resolve_backend(struct parser *p, const char *name)
{
    char word[SHOWN_MAX], declared[LIST_MAX];
    int index = survey_find(&p->survey, name);

    if (index == -1)
        report(p, p->line, "backend '%s' is not declared (%s)",
               parse_escape(name, word, sizeof(word)),
               list_declared(&p->survey, declared, sizeof(declared)));
    return index;
}

/* The survey's test for a line that declares a new backend; parse_backend
 * declares one under the same conditions, so that indexes match. */
static bool declares_backend(char **words, int count,
                             const struct survey *survey)
{
    return count >= 2 && strcmp(words[0], "backend") == 0 &&
           name_is_valid(words[1]) && survey_find(survey, words[1]) == -1 &&
           survey->count < SCENARIO_MAX_BACKENDS;
}

/* What the expectations need to know of the whole file: the clients
 * actions, and the proxy's idle timeout. */
static void survey_for_expects(struct survey *survey, char **words,
                               int count)
{
    static const char idle[] = "idle-timeout=";
    long ms;

    if ((count >= 3 && strcmp(words[0], "at") == 0 &&
         strcmp(words[2], "clients") == 0) ||
        (count >= 5 && strcmp(words[0], "when") == 0 &&
         strcmp(words[4], "clients") == 0))
        survey->bursts++;
    for (int i = 1; count >= 2 && strcmp(words[0], "proxy") == 0 &&
                    i < count; i++) {
        if (strncmp(words[i], idle, strlen(idle)) == 0 &&
            parse_duration_ms(words[i] + strlen(idle), 0, LONG_MAX,
                              &ms) == 0)
            survey->idle_timeout_ms = ms;
    }
}

/* The first pass: notes backends, the first timeout line, and what
 * survey_for_expects looks for. */
static void survey_line(struct survey *survey, char **words, int count)
{
    long timeout;

    survey_for_expects(survey, words, count);

    if (declares_backend(words, count, survey)) {
        for (int i = 2; i < count; i++) {
            if (strcmp(words[i], "down") == 0)
                survey->down[survey->count] = true;
        }
        copy_cut(survey->names[survey->count], SCENARIO_NAME_MAX, words[1]);
        survey->count++;
    } else if (count >= 1 && strcmp(words[0], "timeout") == 0 &&
               !survey->timeout_seen) {
        survey->timeout_seen = true;
        if (count == 2 && parse_duration_ms(words[1], TIMEOUT_MIN_MS,
                                            TIMEOUT_MAX_MS, &timeout) == 0)
            survey->timeout_ms = timeout;
    }
}

/* "seed N". */
static void parse_seed(struct parser *p, char **words, int count)
{
    long seed;

    if (p->seed_line != 0) {
        report(p, p->line, "seed is already set on line %d", p->seed_line);
        return;
    }
    p->seed_line = p->line;
    if (count != 2) {
        report(p, p->line, "seed needs one number, like 'seed 42'");
        return;
    }
    if (read_value(p, &seed_rule, words[1], &seed) == 0)
        p->out->seed = (unsigned long)seed;
}

/* "timeout DURATION". */
static void parse_timeout(struct parser *p, char **words, int count)
{
    long timeout;

    if (p->timeout_line != 0) {
        report(p, p->line, "timeout is already set on line %d",
               p->timeout_line);
        return;
    }
    p->timeout_line = p->line;
    if (count != 2) {
        report(p, p->line, "timeout needs one duration, like 'timeout 20s'");
        return;
    }
    if (read_value(p, &timeout_rule, words[1], &timeout) == 0)
        p->out->timeout_ms = timeout;
}

/* Adds key=value to an options array (room is checked by the callers'
 * tables: no directive has more options than the array holds). */
static void store_option(struct scenario_option *options, size_t *count,
                         const char *key, const char *value)
{
    struct scenario_option *option = &options[*count];

    copy_cut(option->key, sizeof(option->key), key);
    copy_cut(option->value, sizeof(option->value), value);
    (*count)++;
}

/* "proxy KEY=VALUE...": options of several lines add up. */
static void parse_proxy(struct parser *p, char **words, int count)
{
    struct scenario *out = p->out;
    const struct option_rule *rule;
    const char *value;
    long number;

    if (count < 2) {
        report(p, p->line, "proxy needs at least one option, like "
               "'proxy threads=4'");
        return;
    }
    for (int i = 1; i < count; i++) {
        rule = read_option(p, &proxy_set, words[i], &p->proxy_seen, &value,
                           &number);
        if (rule == NULL)
            continue;
        store_option(out->proxy, &out->proxy_count, rule->key, value);
        out->proxy[out->proxy_count - 1].line = p->line;
    }
}

/* Applies one good backend option. */
static void apply_backend_option(struct scenario_backend *backend,
                                 const struct option_rule *rule,
                                 const char *value, long number)
{
    switch (rule->target) {
    case TARGET_WEIGHT: backend->weight = (int)number; break;
    case TARGET_MAXCONN: backend->maxconn = (int)number; break;
    case TARGET_START: backend->start_ms = number; break;
    case TARGET_DOWN: backend->down = true; break;
    case TARGET_BLACKHOLE: backend->blackhole = true; break;
    case TARGET_STANDBY: backend->standby = true; break;
    default:
        store_option(backend->options, &backend->option_count, rule->key,
                     value);
        break;
    }
}

/* The value of a dummy_server option of backend, or NULL. */
static const char *backend_option(const struct scenario_backend *backend,
                                  const char *key)
{
    for (size_t i = 0; i < backend->option_count; i++) {
        if (strcmp(backend->options[i].key, key) == 0)
            return backend->options[i].value;
    }
    return NULL;
}

/* Whether backend answers in echo mode (no name in its replies). */
static bool backend_is_echo(const struct scenario_backend *backend)
{
    const char *mode = backend_option(backend, "mode");

    return mode != NULL && strcmp(mode, "echo") == 0;
}

/*
 * The clients check either echoes or named lines (simulate_client
 * --expect), and through the proxy they cannot know which backend will
 * answer: every backend must answer the same way as the first.
 */
static void check_backend_mode(struct parser *p,
                               const struct scenario_backend *backend)
{
    const struct scenario_backend *first = &p->out->backends[0];

    if (backend == first || backend_is_echo(backend) == backend_is_echo(first))
        return;
    report(p, p->line, "backend %s answers in %s mode but %s (line %d) in "
           "%s mode: the clients can check echoes or named lines, not both; "
           "give every backend the same mode", backend->name,
           backend_is_echo(backend) ? "echo" : "line", first->name,
           first->line, backend_is_echo(first) ? "echo" : "line");
}

/* Refuses what dummy_server refuses (its own dummy_options_check over the
 * backend's options), and what cannot be scheduled. */
static void check_backend(struct parser *p,
                          const struct scenario_backend *backend,
                          bool start_given)
{
    struct dummy_options opts;
    char when[24], limit[24], err[MESSAGE_MAX];

    dummy_options_init(&opts);
    for (size_t i = 0; i < backend->option_count; i++)
        options_set(&dummy_options_table, &opts, NULL,
                    backend->options[i].key, backend->options[i].value, err,
                    sizeof(err));
    if (dummy_options_check(&opts, "", err, sizeof(err)) == -1)
        report(p, p->line, "%s", err);
    check_backend_mode(p, backend);
    if (backend->blackhole && (backend->down || start_given))
        report(p, p->line, "blackhole cannot be used with down or start= "
               "(a blackhole backend is never started)");
    if (backend->down && start_given)
        report(p, p->line, "down and start= cannot be used together (a down "
               "backend is started by a 'start' event)");
    if (backend->start_ms >= p->survey.timeout_ms)
        report(p, p->line, "start=%s is not before the timeout (%s)",
               parse_format_ms(backend->start_ms, when, sizeof(when)),
               parse_format_ms(p->survey.timeout_ms, limit, sizeof(limit)));
}

/* The options of "backend NAME OPTION...". */
static void parse_backend_options(struct parser *p,
                                  struct scenario_backend *backend,
                                  char **words, int count)
{
    const struct option_rule *rule;
    bool start_given = false;
    unsigned seen = 0;
    const char *value;
    long number;

    char err[MESSAGE_MAX];
    int errors_before = p->error_count;

    backend->service.concurrency = -1;
    for (int i = 0; i < count; i++) {
        rule = read_option(p, &backend_set, words[i], &seen, &value, &number);
        if (rule == NULL)
            continue;
        start_given |= rule->target == TARGET_START;
        if (rule->target < TARGET_SERVICE || rule->target > TARGET_DISCIPLINE)
            apply_backend_option(backend, rule, value, number);
        else if (scenario_sim_service_option(&backend->service, rule->key,
                                             value, number, err,
                                             sizeof(err)) == -1)
            report(p, p->line, "%s", err);
        if (rule->target >= TARGET_SERVICE && backend->sim_line == 0)
            backend->sim_line = p->line;
    }
    if (backend->sim_line != 0 && p->error_count == errors_before &&
        scenario_sim_service_check(&backend->service, err, sizeof(err)) == -1)
        report(p, p->line, "%s", err);
    check_backend(p, backend, start_given);
}

/* "backends N PREFIX OPTION...": N backends alike (simulator only). */
static void parse_group(struct parser *p, char **words, int count)
{
    struct scenario *out = p->out;
    struct scenario_group *group;
    char word[SHOWN_MAX];
    long n;

    if (count < 3) {
        report(p, p->line, "backends needs a number and a name prefix, like "
               "'backends 1000 web service=exp mean=10ms'");
        return;
    }
    if (out->group_count == SCENARIO_MAX_GROUPS) {
        report(p, p->line, "too many backends lines (at most %d)",
               SCENARIO_MAX_GROUPS);
        return;
    }
    parse_escape(words[2], word, sizeof(word));
    if (parse_long(words[1], 1, SCENARIO_GROUP_MAX, &n) == -1) {
        report(p, p->line, "backends '%s': the number must be from 1 to %d",
               parse_escape(words[1], word, sizeof(word)),
               SCENARIO_GROUP_MAX);
        return;
    }
    if (!name_is_valid(words[2]) ||
        strlen(words[2]) + 4 >= SCENARIO_NAME_MAX) {
        report(p, p->line, "backends prefix '%s' must be 1 to %d characters "
               "from A-Z a-z 0-9 _ . -", word, SCENARIO_NAME_MAX - 5);
        return;
    }
    group = &out->groups[out->group_count++];
    memset(group, 0, sizeof(*group));
    copy_cut(group->prefix, sizeof(group->prefix), words[2]);
    group->count = (int)n;
    group->model.line = p->line;
    group->model.weight = 1;
    group->model.sim_line = p->line;
    parse_backend_options(p, &group->model, words + 3, count - 3);
}

/* "backend NAME OPTION...". A backend with bad options is still declared,
 * so that later lines can name it without more errors. The conditions for
 * declaring one are the survey's (declares_backend), so indexes agree. */
static void parse_backend(struct parser *p, char **words, int count)
{
    struct scenario *out = p->out;
    struct scenario_backend *backend;
    char word[SHOWN_MAX];
    bool reserved;
    int index;

    if (count < 2) {
        report(p, p->line, "backend needs a name, like 'backend b1 "
               "latency=20ms'");
        return;
    }
    parse_escape(words[1], word, sizeof(word));
    index = scenario_backend_index(out, words[1]);
    /* "proxy" and "clients" name the other parties of an event line
     * (stop proxy, link clients ...): a backend so named would be
     * taken for them. */
    reserved = strcmp(words[1], "proxy") == 0 ||
               strcmp(words[1], "clients") == 0;
    if (!name_is_valid(words[1]))
        report(p, p->line, "backend name '%s' must be 1 to %d characters "
               "from A-Z a-z 0-9 _ . -", word, SCENARIO_NAME_MAX - 1);
    else if (reserved)
        report(p, p->line, "backend name '%s' is taken: '%s' names the %s "
               "in event lines", word, word,
               words[1][0] == 'p' ? "proxy" : "clients");
    else if (index != -1)
        report(p, p->line, "backend '%s' is already declared on line %d",
               word, out->backends[index].line);
    else if (out->backend_count == SCENARIO_MAX_BACKENDS)
        report(p, p->line, "too many backends (at most %d)",
               SCENARIO_MAX_BACKENDS);
    if (!name_is_valid(words[1]) || reserved || index != -1 ||
        out->backend_count == SCENARIO_MAX_BACKENDS)
        return;
    backend = &out->backends[out->backend_count++];
    copy_cut(backend->name, sizeof(backend->name), words[1]);
    backend->line = p->line;
    backend->weight = 1;
    parse_backend_options(p, backend, words + 2, count - 2);
}

/* Applies one good option of a burst. */
static void apply_burst_option(struct scenario_burst *burst,
                               const struct option_rule *rule, long number)
{
    switch (rule->target) {
    case TARGET_REQUESTS: burst->requests = (int)number; break;
    case TARGET_SIZE: burst->size = number; break;
    case TARGET_HOLD: burst->hold_ms = number; break;
    case TARGET_RAMP: burst->ramp_ms = number; break;
    case TARGET_TIMEOUT: burst->timeout_ms = number; break;
    case TARGET_HALF_CLOSE: burst->half_close = true; break;
    case TARGET_READ_RATE: burst->read_rate = number; break;
    case TARGET_WRITE_RATE: burst->write_rate = number; break;
    case TARGET_MAY_FAIL: burst->may_fail = true; break;
    default: break;
    }
}

/* Keeps a behaviour option (at most one per burst). */
static void apply_behaviour(struct parser *p, struct scenario_burst *burst,
                            const struct option_rule *rule, const char *value)
{
    if (burst->behaviour.key[0] != '\0') {
        report(p, p->line, "clients: %s and %s cannot be used together: one "
               "behaviour per burst", burst->behaviour.key, rule->key);
        return;
    }
    copy_cut(burst->behaviour.key, sizeof(burst->behaviour.key), rule->key);
    copy_cut(burst->behaviour.value, sizeof(burst->behaviour.value), value);
}

/* rate= or count= of a burst (simulator only). */
static void read_burst_sim_option(struct parser *p,
                                  struct scenario_burst *burst,
                                  const struct option_rule *rule,
                                  const char *value, long number)
{
    char word[SHOWN_MAX];

    burst->simulated = true;
    if (rule->target == TARGET_COUNT)
        burst->count = number;
    else if (scenario_sim_read_rate(value, &burst->rate) == -1)
        report(p, p->line, "rate '%s': must be connections per second "
               "above 0 and below 1000000000, like rate=500/s",
               parse_escape(value, word, sizeof(word)));
}

/* "clients N OPTION..." or "clients poisson|uniform OPTION..." (words[0]
 * is "clients"). */
static void parse_burst(struct parser *p, struct scenario_burst *burst,
                        char **words, int count)
{
    const struct option_rule *rule;
    char err[MESSAGE_MAX];
    int errors_before = p->error_count;
    unsigned seen = 0;
    const char *value;
    long number;

    burst->requests = 1;
    burst->size = 32;
    burst->timeout_ms = 5000;
    if (count < 2) {
        report(p, p->line, "clients needs a number of clients, like "
               "'clients 50 requests=10'");
        return;
    }
    if (scenario_sim_arrival_parse(words[1], &burst->arrival) == 0)
        burst->simulated = true;
    else if (read_value(p, &clients_rule, words[1], &number) == 0)
        burst->clients = (int)number;
    for (int i = 2; i < count; i++) {
        rule = read_option(p, &burst_set, words[i], &seen, &value, &number);
        if (rule != NULL && rule->target == TARGET_BEHAVIOUR)
            apply_behaviour(p, burst, rule, value);
        else if (rule != NULL && rule->target >= TARGET_RATE)
            read_burst_sim_option(p, burst, rule, value, number);
        else if (rule != NULL)
            apply_burst_option(burst, rule, number);
    }
    if (p->error_count == errors_before &&
        scenario_sim_burst_check(burst, err, sizeof(err)) == -1)
        report(p, p->line, "%s", err);
    if (burst->behaviour.key[0] != '\0' && burst->clients > 0)
        check_burst(p, burst);
}

/* A fault action's target; "start" only once, and only for a down one. */
static void parse_fault(struct parser *p, struct scenario_event *event,
                        char **words, int count)
{
    const char *action = words[0];

    if (count != 2) {
        report(p, p->line, "%s needs one backend name, like '%s b1'", action,
               action);
        return;
    }
    /* "proxy" names the proxy here; no backend may be called that. */
    if (event->action == SCENARIO_STOP && strcmp(words[1], "proxy") == 0) {
        event->action = SCENARIO_STOP_PROXY;
        event->backend = -1;
        return;
    }
    event->backend = resolve_backend(p, words[1]);
    if (event->backend == -1 || event->action != SCENARIO_START)
        return;
    if (!p->survey.down[event->backend])
        report(p, p->line, "start %s: only a backend declared 'down' can be "
               "started (use restart to start one again)", words[1]);
    else if (p->start_line[event->backend] != 0)
        report(p, p->line, "backend '%s' is already started on line %d",
               words[1], p->start_line[event->backend]);
    else
        p->start_line[event->backend] = p->line;
}

/* ACTION...: what a timeline event does. */
static void parse_action(struct parser *p, struct scenario_event *event,
                         char **words, int count)
{
    char word[SHOWN_MAX];

    for (size_t i = 0; i < COUNT_OF(action_names); i++) {
        if (action_names[i] == NULL || strcmp(words[0], action_names[i]) != 0)
            continue;
        event->action = (enum scenario_action)i;
        if (event->action == SCENARIO_CLIENTS)
            parse_burst(p, &event->burst, words, count);
        else if (event->action == SCENARIO_LINK)
            parse_link(p, event, words, count);
        else if (event->action == SCENARIO_HEAL)
            parse_heal(p, event, words, count);
        else if (event->action == SCENARIO_SET)
            parse_set(p, event, words, count);
        else if (scenario_action_operates(event->action))
            parse_operation(p, event, words, count);
        else
            parse_fault(p, event, words, count);
        return;
    }
    report(p, p->line, "unknown action '%s' (expected clients, crash, stop, "
           "pause, resume, restart, start, link, heal, set, drain, disable, "
           "enable, weight, maxconn, add, remove or reload)",
           parse_escape(words[0], word, sizeof(word)));
}

/* The next free event, cleared, or NULL after reporting that none is. */
static struct scenario_event *new_event(struct parser *p)
{
    struct scenario_event *event;

    if (p->out->event_count == SCENARIO_MAX_EVENTS) {
        report(p, p->line, "too many timeline events (at most %d)",
               SCENARIO_MAX_EVENTS);
        return NULL;
    }
    event = &p->out->events[p->out->event_count];
    memset(event, 0, sizeof(*event));
    event->line = p->line;
    event->watch_backend = -1;
    event->backend = -1;
    return event;
}

/* "at TIME ACTION...". */
static void parse_at(struct parser *p, char **words, int count)
{
    int errors_before = p->error_count;
    struct scenario_event *event = new_event(p);
    char when[24], limit[24];

    if (event == NULL)
        return;
    if (count < 3) {
        report(p, p->line, "at needs a time and an action, like 'at 1s "
               "crash b1'");
        return;
    }
    event->trigger = SCENARIO_AT_TIME;
    if (read_value(p, &at_rule, words[1], &event->at_ms) == 0 &&
        event->at_ms >= p->survey.timeout_ms)
        report(p, p->line, "at %s is not before the timeout (%s)",
               parse_format_ms(event->at_ms, when, sizeof(when)),
               parse_format_ms(p->survey.timeout_ms, limit, sizeof(limit)));
    parse_action(p, event, words + 2, count - 2);
    if (p->error_count == errors_before)
        p->out->event_count++;
}

/* "when NAME picks N ACTION...". */
static void parse_when(struct parser *p, char **words, int count)
{
    int errors_before = p->error_count;
    struct scenario_event *event = new_event(p);

    if (event == NULL)
        return;
    if (count < 5 || strcmp(words[2], "picks") != 0) {
        report(p, p->line, "expected 'when NAME picks N ACTION', like 'when "
               "b1 picks 20 crash b1'");
        return;
    }
    event->trigger = SCENARIO_AT_PICKS;
    event->watch_backend = resolve_backend(p, words[1]);
    read_value(p, &picks_rule, words[3], &event->picks);
    parse_action(p, event, words + 4, count - 4);
    if (p->error_count == errors_before)
        p->out->event_count++;
}

/* Reads one percentage "D[.D]" at *cursor (0..100) and moves past it. */
static bool read_percent(const char **cursor, double *out)
{
    const char *start = *cursor, *s = start;
    char *end;

    s += strspn(s, "0123456789");
    if (s == start || s - start > 12)
        return false;
    if (*s == '.') {
        size_t fraction = strspn(s + 1, "0123456789");

        if (fraction == 0 || fraction > 12)
            return false;
        s += 1 + fraction;
    }
    *out = strtod(start, &end);
    if (end != s || *out > 100.0)
        return false;
    *cursor = s;
    return true;
}

/* Reads "P%±T%" or "P%+-T%" (the whole text). */
static bool read_share(const char *text, double *share, double *tolerance)
{
    static const char plus_minus[] = "\xc2\xb1";   /* U+00B1 in UTF-8 */

    if (!read_percent(&text, share) || *text++ != '%')
        return false;
    if (strncmp(text, plus_minus, 2) == 0 || strncmp(text, "+-", 2) == 0)
        text += 2;
    else
        return false;
    return read_percent(&text, tolerance) && strcmp(text, "%") == 0;
}

/* "share NAME=P%±T%". */
static void parse_share(struct parser *p, struct scenario_expect *e,
                        char **words, int count)
{
    char *equals = count == 2 ? strchr(words[1], '=') : NULL;
    char word[SHOWN_MAX];

    if (equals == NULL || equals == words[1] ||
        !read_share(equals + 1, &e->share_pct, &e->tolerance_pct)) {
        report(p, p->line, "share '%s' must look like NAME=P%%±T%% (or "
               "NAME=P%%+-T%%), like 'share b1=50%%±10%%', with P and T "
               "from 0 to 100", count >= 2 ? parse_escape(words[1], word,
                                                  sizeof(word)) : "");
        return;
    }
    *equals = '\0';
    e->backend = resolve_backend(p, words[1]);
}

/* "NAME > NAME" and "NAME < NAME". */
static void parse_compare(struct parser *p, struct scenario_expect *e,
                          char **words)
{
    e->check = SCENARIO_CHECK_COMPARE;
    e->op = words[1][0];
    e->backend = resolve_backend(p, words[0]);
    e->other = resolve_backend(p, words[2]);
    if (e->backend != -1 && e->backend == e->other)
        report(p, p->line, "'%s %c %s' compares a backend with itself",
               words[0], e->op, words[2]);
}

/* "detect NAME within D", "recover NAME within D", "drained NAME within
 * D" and "ejected NAME within D". */
static void parse_within(struct parser *p, struct scenario_expect *e,
                         char **words, int count)
{
    static const struct {
        const char *word;
        enum scenario_check check;
    } forms[] = {
        { "detect", SCENARIO_CHECK_DETECT },
        { "recover", SCENARIO_CHECK_RECOVER },
        { "drained", SCENARIO_CHECK_DRAINED },
        { "ejected", SCENARIO_CHECK_EJECTED },
    };

    for (size_t i = 0; i < COUNT_OF(forms); i++) {
        if (strcmp(words[0], forms[i].word) == 0)
            e->check = forms[i].check;
    }
    if (count != 4 || strcmp(words[2], "within") != 0) {
        report(p, p->line, "expected '%s NAME within DURATION', like '%s b1 "
               "within 2s'", words[0], words[0]);
        return;
    }
    e->backend = resolve_backend(p, words[1]);
    read_value(p, &within_rule, words[3], &e->within_ms);
}

/* "slowstart NAME" and "restored NAME". */
static void parse_named(struct parser *p, struct scenario_expect *e,
                        char **words, int count)
{
    e->check = strcmp(words[0], "slowstart") == 0 ? SCENARIO_CHECK_SLOWSTART
                                                   : SCENARIO_CHECK_RESTORED;
    if (count != 2) {
        report(p, p->line, "expected '%s NAME', like '%s b1'", words[0],
               words[0]);
        return;
    }
    e->backend = resolve_backend(p, words[1]);
}

/* Joins words[0..count) with single spaces into buf (big enough: the
 * words come from one line). */
static void join_words(char **words, int count, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i > 0 ? " " : "", words[i]);
}

/* "burst=N": a burst of the file (its N-th clients action). Returns N,
 * or 0 after reporting. */
static int read_burst_number(struct parser *p, const char *word)
{
    static const char prefix[] = "burst=";
    char shown[SHOWN_MAX];
    long n;

    if (strncmp(word, prefix, strlen(prefix)) != 0) {
        report(p, p->line, "expected 'burst=N' after the check, not '%s'",
               parse_escape(word, shown, sizeof(shown)));
        return 0;
    }
    if (read_value(p, &burst_number_rule, word + strlen(prefix), &n) == -1)
        return 0;
    if ((size_t)n > p->survey.bursts) {
        report(p, p->line, "burst=%ld: the file has %zu clients action%s "
               "(bursts are numbered in file order, from 1)", n,
               p->survey.bursts, p->survey.bursts == 1 ? "" : "s");
        return 0;
    }
    return (int)n;
}

/* "pNN<=D [burst=N]" (NN: 50, 90 or 99). False when words[0] is not one
 * (nothing reported then). */
static bool parse_latency(struct parser *p, struct scenario_expect *e,
                          char **words, int count)
{
    static const int percentiles[] = { 50, 90, 99 };
    struct option_rule rule = latency_rule;
    char prefix[8];

    for (size_t i = 0; i < COUNT_OF(percentiles); i++) {
        snprintf(prefix, sizeof(prefix), "p%d<=", percentiles[i]);
        if (strncmp(words[0], prefix, strlen(prefix)) != 0)
            continue;
        e->check = SCENARIO_CHECK_LATENCY;
        e->percentile = percentiles[i];
        rule.key = prefix;
        read_value(p, &rule, words[0] + strlen(prefix), &e->within_ms);
        if (count > 2)
            report(p, p->line, "expected '%sD [burst=N]', like '%s200ms "
                   "burst=2'", prefix, prefix);
        else if (count == 2)
            e->burst = read_burst_number(p, words[1]);
        return true;
    }
    return false;
}

/* "proxy-rss<=BYTES" and "proxy-rss-growth<=BYTES"; false when word is
 * neither. */
static bool parse_rss(struct parser *p, struct scenario_expect *e,
                      const char *word)
{
    const struct option_rule *rule = NULL;

    if (strncmp(word, rss_rule.key, strlen(rss_rule.key)) == 0) {
        rule = &rss_rule;
        e->check = SCENARIO_CHECK_PROXY_RSS;
    } else if (strncmp(word, rss_growth_rule.key,
                       strlen(rss_growth_rule.key)) == 0) {
        rule = &rss_growth_rule;
        e->check = SCENARIO_CHECK_PROXY_RSS_GROWTH;
    }
    if (rule != NULL)
        read_value(p, rule, word + strlen(rule->key), &e->max_bytes);
    return rule != NULL;
}

/* "idle-closed within D". */
static void parse_idle_closed(struct parser *p, struct scenario_expect *e,
                              char **words, int count)
{
    e->check = SCENARIO_CHECK_IDLE_CLOSED;
    if (count != 3 || strcmp(words[1], "within") != 0) {
        report(p, p->line, "expected 'idle-closed within DURATION', like "
               "'idle-closed within 100ms'");
        return;
    }
    read_value(p, &within_rule, words[2], &e->within_ms);
}

/* Refuses an expectation that the rest of the file makes impossible. */
static void check_expect_possible(struct parser *p,
                                  const struct scenario_expect *e)
{
    const struct survey *survey = &p->survey;
    char idle[24], limit[24];

    if (e->check == SCENARIO_CHECK_NO_HOL && survey->bursts < 2)
        report(p, p->line, "no-hol needs two clients actions or more (a "
               "slow burst and a later one that must not wait for it); the "
               "file has %zu", survey->bursts);
    else if (e->check == SCENARIO_CHECK_RETRIED && survey->count < 2)
        report(p, p->line, "retried needs two backends or more (a failed "
               "connect is retried on another one)");
    else if (e->check == SCENARIO_CHECK_IDLE_CLOSED &&
             survey->idle_timeout_ms <= 0)
        report(p, p->line, "idle-closed needs the proxy's idle timeout: add "
               "'proxy idle-timeout=D' with D above 0");
    else if (e->check == SCENARIO_CHECK_IDLE_CLOSED &&
             survey->idle_timeout_ms >= survey->timeout_ms)
        report(p, p->line, "idle-closed: the proxy's idle timeout (%s) is "
               "not shorter than the run's timeout (%s), so no session can "
               "be closed by it",
               parse_format_ms(survey->idle_timeout_ms, idle, sizeof(idle)),
               parse_format_ms(survey->timeout_ms, limit, sizeof(limit)));
}

/* Reports a check that has no known form. */
static void report_unknown_check(struct parser *p, const char *text)
{
    char word[SHOWN_MAX];

    report(p, p->line, "unknown check '%s' (checks: leastconn, p2c, counts "
           "zero, relay exact, share NAME=P%%±T%%, NAME > NAME, NAME < NAME, "
           "detect NAME within D, recover NAME within D, clients ok, "
           "clients failed<=N, no-lost-clients, threads stable, "
           "resets passed, stop clean, workers used, health exact, "
           "sessions<=D, fds stable, p50<=D, p90<=D, p99<=D, no-hol, "
           "idle-closed within D, retried, proxy-rss<=BYTES, "
           "proxy-rss-growth<=BYTES, drained NAME within D, slowstart NAME, "
           "ejected NAME within D, restored NAME, queue-wait<=D, "
           "queue fifo)",
           parse_escape(text, word, sizeof(word)));
}

/* CHECK: which one, and its arguments. */
static void parse_check(struct parser *p, struct scenario_expect *e,
                        char **words, int count)
{
    char joined[LINE_MAX_BYTES + 1];
    const char *failed = "failed<=";

    join_words(words, count, joined, sizeof(joined));
    copy_cut(e->text, sizeof(e->text), joined);
    for (size_t i = 0; i < COUNT_OF(fixed_checks); i++) {
        if (strcmp(joined, fixed_checks[i].text) == 0) {
            e->check = fixed_checks[i].check;
            check_expect_possible(p, e);
            return;
        }
    }
    if (parse_latency(p, e, words, count)) {
        return;
    } else if (count == 2 && strcmp(words[0], "no-hol") == 0) {
        e->check = SCENARIO_CHECK_NO_HOL;
        e->burst = read_burst_number(p, words[1]);
        check_expect_possible(p, e);
    } else if (strcmp(words[0], "idle-closed") == 0) {
        parse_idle_closed(p, e, words, count);
        check_expect_possible(p, e);
    } else if (count == 3 && (strcmp(words[1], ">") == 0 ||
                       strcmp(words[1], "<") == 0)) {
        parse_compare(p, e, words);
    } else if (strcmp(words[0], "share") == 0) {
        e->check = SCENARIO_CHECK_SHARE;
        parse_share(p, e, words, count);
    } else if (strcmp(words[0], "detect") == 0 ||
               strcmp(words[0], "recover") == 0 ||
               strcmp(words[0], "drained") == 0 ||
               strcmp(words[0], "ejected") == 0) {
        parse_within(p, e, words, count);
    } else if (strcmp(words[0], "slowstart") == 0 ||
               strcmp(words[0], "restored") == 0) {
        parse_named(p, e, words, count);
    } else if (count == 1 && strncmp(words[0], queue_wait_rule.key,
                                     strlen(queue_wait_rule.key)) == 0) {
        e->check = SCENARIO_CHECK_QUEUE_WAIT;
        read_value(p, &queue_wait_rule,
                   words[0] + strlen(queue_wait_rule.key), &e->within_ms);
    } else if (count == 2 && strcmp(words[0], "clients") == 0 &&
               strncmp(words[1], failed, strlen(failed)) == 0) {
        e->check = SCENARIO_CHECK_CLIENTS_FAILED;
        read_value(p, &failed_rule, words[1] + strlen(failed),
                   &e->max_failed);
    } else if (count == 1 && strncmp(words[0], sessions_rule.key,
                                     strlen(sessions_rule.key)) == 0) {
        e->check = SCENARIO_CHECK_SESSIONS_MAX;
        read_value(p, &sessions_rule, words[0] + strlen(sessions_rule.key),
                   &e->within_ms);
    } else if (count == 1 && parse_rss(p, e, words[0])) {
        return;
    } else {
        report_unknown_check(p, joined);
    }
}

/* Takes the "points=N" words out of words[0..count); returns how many
 * words are left. */
static int take_points(struct parser *p, struct scenario_expect *e,
                       char **words, int count)
{
    const char *prefix = "points=";
    bool seen = false;
    long points;
    int kept = 0;

    for (int i = 0; i < count; i++) {
        if (strncmp(words[i], prefix, strlen(prefix)) != 0) {
            words[kept++] = words[i];
        } else if (seen) {
            report(p, p->line, "points is given twice");
        } else {
            seen = true;
            if (read_value(p, &points_rule, words[i] + strlen(prefix),
                           &points) == 0)
                e->points = (int)points;
        }
    }
    return kept;
}

/* "expect CHECK [points=N]" and "expect-fail CHECK [points=N]". */
static void parse_expect(struct parser *p, char **words, int count)
{
    int errors_before = p->error_count;
    struct scenario_expect *e;

    if (p->out->expect_count == SCENARIO_MAX_EXPECTS) {
        report(p, p->line, "too many expectations (at most %d)",
               SCENARIO_MAX_EXPECTS);
        return;
    }
    e = &p->out->expects[p->out->expect_count];
    memset(e, 0, sizeof(*e));
    e->line = p->line;
    e->expect_fail = strcmp(words[0], "expect-fail") == 0;
    e->points = 1;
    e->backend = -1;
    e->other = -1;
    count = 1 + take_points(p, e, words + 1, count - 1);
    if (count == 1)
        report(p, p->line, "%s needs a check, like '%s relay exact'",
               words[0], words[0]);
    else
        parse_check(p, e, words + 1, count - 1);
    if (p->error_count == errors_before)
        p->out->expect_count++;
}

/* --- live faults: link, heal, set, client behaviours, chaos ------------ */

/*
 * Refuses a burst that simulate_client would refuse: its own parser reads
 * the options the runner will pass, so the behaviours' conflicts (no-read
 * with half-close, ...) have one home.
 */
static void check_burst(struct parser *p, const struct scenario_burst *burst)
{
    struct simclient_options opts;
    char store[12][SCENARIO_NAME_MAX + SCENARIO_VALUE_MAX + 4];
    char err[MESSAGE_MAX];
    char *argv[13];
    int argc = 0;

#define ARG(...) (snprintf(store[argc], sizeof(store[0]), __VA_ARGS__), \
                  argv[argc] = store[argc], argc++)
    ARG("simulate_client");
    ARG("--requests=%d", burst->requests);
    ARG("--size=%ld", burst->size);
    ARG("--hold=%ld", burst->hold_ms);
    if (burst->half_close)
        ARG("--half-close");
    if (burst->read_rate > 0)
        ARG("--read-rate=%ld", burst->read_rate);
    if (burst->write_rate > 0)
        ARG("--write-rate=%ld", burst->write_rate);
    ARG("--%s%s%s", burst->behaviour.key,
        burst->behaviour.value[0] != '\0' ? "=" : "", burst->behaviour.value);
#undef ARG
    argv[argc] = NULL;
    if (simclient_options_parse(argc, argv, &opts, NULL, err,
                                sizeof(err)) != 0)
        report(p, p->line, "clients: %s", parse_escape(err, err, sizeof(err)));
}

/* The target of link and heal: a backend, or "clients". Reports and
 * returns -1 when it is neither. */
static int resolve_link_target(struct parser *p, const char *name)
{
    if (strcmp(name, "clients") == 0)
        return SCENARIO_TARGET_CLIENTS;
    return resolve_backend(p, name);
}

/* Joins words after prefix into out[SCENARIO_TEXT_MAX]; reports when the
 * command does not fit. */
static int make_command(struct parser *p, char *out, const char *prefix,
                        char **words, int count)
{
    char joined[LINE_MAX_BYTES + 1];
    int len;

    join_words(words, count, joined, sizeof(joined));
    len = snprintf(out, SCENARIO_TEXT_MAX, "%s%s", prefix, joined);
    if (len < SCENARIO_TEXT_MAX)
        return 0;
    report(p, p->line, "%s: the command is longer than %d characters",
           prefix, SCENARIO_TEXT_MAX - 1);
    return -1;
}

/* "link NAME KIND [KEY=VALUE...]": fault_link's own parser reads the
 * fault, so a scenario accepts exactly what fault_link accepts. */
static void parse_link(struct parser *p, struct scenario_event *event,
                       char **words, int count)
{
    struct faultlink_fault fault;
    char err[MESSAGE_MAX];

    if (count < 3) {
        report(p, p->line, "link needs a target and a fault, like 'link b1 "
               "latency latency=100ms' or 'link clients slicer size=1'");
        return;
    }
    event->backend = resolve_link_target(p, words[1]);
    if (faultlink_fault_parse(words + 2, count - 2, &fault, err,
                              sizeof(err)) == -1) {
        report(p, p->line, "link: %s", parse_escape(err, err, sizeof(err)));
        return;
    }
    copy_cut(event->kind, sizeof(event->kind), words[2]);
    make_command(p, event->command, "add ", words + 2, count - 2);
}

/* "heal NAME [KIND]": removes one kind of fault, or all of them. */
static void parse_heal(struct parser *p, struct scenario_event *event,
                       char **words, int count)
{
    enum faultlink_kind kind;
    char word[SHOWN_MAX];

    if (count != 2 && count != 3) {
        report(p, p->line, "heal needs a target and at most one kind, like "
               "'heal b1' or 'heal b1 latency'");
        return;
    }
    event->backend = resolve_link_target(p, words[1]);
    if (count == 2) {
        snprintf(event->command, sizeof(event->command), "remove all");
        return;
    }
    if (faultlink_kind_parse(words[2], &kind) == -1) {
        report(p, p->line, "heal: unknown kind '%s' (latency, bandwidth, "
               "slicer, slow-close, timeout, reset, limit-data, blackhole, "
               "refuse, syn-drop)", parse_escape(words[2], word,
                                                 sizeof(word)));
        return;
    }
    copy_cut(event->kind, sizeof(event->kind), words[2]);
    snprintf(event->command, sizeof(event->command), "remove %s", words[2]);
}

/* "set NAME KEY=VALUE...": dummy_server's own control parser judges the
 * command on the backend's options as declared (when declared above). */
static void parse_set(struct parser *p, struct scenario_event *event,
                      char **words, int count)
{
    struct dummy_options opts;
    char line[LINE_MAX_BYTES + 8], reply[DUMMY_CONTROL_REPLY_MAX + 1];
    char changes[DUMMY_CONTROL_LINE_MAX + 1], err[MESSAGE_MAX];
    const struct scenario_backend *backend;

    if (count < 3) {
        report(p, p->line, "set needs a backend and KEY=VALUE, like 'set b1 "
               "latency=200ms'");
        return;
    }
    event->backend = resolve_backend(p, words[1]);
    if (event->backend == -1 ||
        make_command(p, event->command, "set ", words + 2, count - 2) == -1)
        return;
    dummy_options_init(&opts);
    if ((size_t)event->backend < p->out->backend_count) {
        backend = &p->out->backends[event->backend];
        for (size_t i = 0; i < backend->option_count; i++)
            options_set(&dummy_options_table, &opts, NULL,
                        backend->options[i].key, backend->options[i].value,
                        err, sizeof(err));
    }
    snprintf(line, sizeof(line), "%s", event->command);
    if (dummy_control_run(&opts, line, reply, sizeof(reply), changes,
                          sizeof(changes)) != DUMMY_CONTROL_CHANGED)
        report(p, p->line, "set %s: %s", words[1],
               strncmp(reply, "error: ", 7) == 0 ? reply + 7 : reply);
}

/* --- operations on the running proxy: drain ... reload ------------------ */

/* "weight NAME N" and "maxconn NAME N": the proxy's own backend rows. */
static void parse_set_number(struct parser *p, struct scenario_event *event,
                             char **words, int count)
{
    const struct option_rule *rule = find_rule(&add_set, words[0]);

    if (count != 3) {
        report(p, p->line, "%s needs a backend and a number, like '%s b1 %s'",
               words[0], words[0],
               event->action == SCENARIO_WEIGHT ? "3" : "100");
        return;
    }
    event->backend = resolve_backend(p, words[1]);
    if (read_value(p, rule, words[2], &event->value) == 0)
        snprintf(event->command, sizeof(event->command), "set %s %s %ld",
                 words[0], words[1], event->value);
}

/* "add NAME [weight=N] [maxconn=N] [slowstart=D]"; the command is made
 * by the runner, which knows the backend's port. */
static void parse_add(struct parser *p, struct scenario_event *event,
                      char **words, int count)
{
    const struct option_rule *rule;
    unsigned seen = 0;
    const char *value;
    long number;

    event->add_weight = -1;
    event->add_maxconn = -1;
    event->add_slowstart_ms = -1;
    event->backend = resolve_backend(p, words[1]);
    for (int i = 2; i < count; i++) {
        rule = read_option(p, &add_set, words[i], &seen, &value, &number);
        if (rule != NULL && rule->target == TARGET_WEIGHT)
            event->add_weight = (int)number;
        else if (rule != NULL && rule->target == TARGET_MAXCONN)
            event->add_maxconn = (int)number;
        else if (rule != NULL)
            event->add_slowstart_ms = number;
    }
}

/* One "weight.NAME=N" or "maxconn.NAME=N" of a reload. */
static void parse_reload_setting(struct parser *p, struct scenario_reload *r,
                                 char *word)
{
    char *dot = strchr(word, '.'), *equals = strchr(word, '=');
    const struct option_rule *rule;
    char shown[SHOWN_MAX];
    long number;
    int b;

    if (dot == NULL || equals == NULL || dot > equals) {
        report(p, p->line, "reload: '%s' must be backends=NAME,NAME..., "
               "weight.NAME=N or maxconn.NAME=N",
               parse_escape(word, shown, sizeof(shown)));
        return;
    }
    *dot = *equals = '\0';
    rule = find_rule(&add_set, word);
    if (rule == NULL || rule->target == TARGET_START) {
        report(p, p->line, "reload: unknown setting '%s' (weight.NAME=N or "
               "maxconn.NAME=N)", parse_escape(word, shown, sizeof(shown)));
        return;
    }
    b = resolve_backend(p, dot + 1);
    if (b == -1 || read_value(p, rule, equals + 1, &number) == -1)
        return;
    if ((rule->target == TARGET_WEIGHT ? r->weight[b] : r->maxconn[b]) != -1)
        report(p, p->line, "reload: %s.%s is given twice", word,
               p->survey.names[b]);
    if (rule->target == TARGET_WEIGHT)
        r->weight[b] = (int)number;
    else
        r->maxconn[b] = (int)number;
}

/* "reload [backends=NAME,NAME...] [weight.NAME=N] [maxconn.NAME=N]". */
static void parse_reload(struct parser *p, struct scenario_event *event,
                         char **words, int count)
{
    static const char prefix[] = "backends=";
    struct scenario_reload *r = &event->reload;
    char *name, *rest;
    int b;

    for (size_t i = 0; i < SCENARIO_MAX_BACKENDS; i++)
        r->weight[i] = r->maxconn[i] = -1;
    snprintf(event->command, sizeof(event->command), "reload");
    for (int i = 1; i < count; i++) {
        if (strncmp(words[i], prefix, strlen(prefix)) != 0) {
            parse_reload_setting(p, r, words[i]);
            continue;
        }
        if (r->backends_given)
            report(p, p->line, "reload: backends= is given twice");
        r->backends_given = true;
        /* strsep, not strtok: an empty name between commas, or none at
         * all, is a mistake, not nothing. */
        rest = words[i] + strlen(prefix);
        while ((name = strsep(&rest, ",")) != NULL) {
            if (name[0] == '\0') {
                report(p, p->line, "reload: backends= needs NAME,NAME... "
                       "without an empty name (a reload keeps at least one "
                       "backend)");
                break;
            }
            if ((b = resolve_backend(p, name)) < 0)
                continue;
            if (r->in[b])
                report(p, p->line, "reload: %s is given twice in "
                       "backends=", p->survey.names[b]);
            r->in[b] = true;
        }
    }
    for (size_t i = 0; r->backends_given && i < SCENARIO_MAX_BACKENDS; i++) {
        if (!r->in[i] && (r->weight[i] != -1 || r->maxconn[i] != -1))
            report(p, p->line, "reload: %s is given a setting but is not in "
                   "backends=", p->survey.names[i]);
    }
}

/* An action for the proxy's control socket. */
static void parse_operation(struct parser *p, struct scenario_event *event,
                            char **words, int count)
{
    static const char *const commands[] = {
        [SCENARIO_DRAIN] = "drain", [SCENARIO_DISABLE] = "disable",
        [SCENARIO_ENABLE] = "enable", [SCENARIO_REMOVE] = "remove backend",
    };

    if (event->action == SCENARIO_RELOAD) {
        parse_reload(p, event, words, count);
    } else if (event->action == SCENARIO_WEIGHT ||
               event->action == SCENARIO_MAXCONN) {
        parse_set_number(p, event, words, count);
    } else if (count < 2 || (count > 2 && event->action != SCENARIO_ADD)) {
        report(p, p->line, "%s needs one backend name, like '%s b1'%s",
               words[0], words[0], event->action == SCENARIO_ADD
               ? " (then weight=N, maxconn=N, slowstart=D)" : "");
    } else if (event->action == SCENARIO_ADD) {
        parse_add(p, event, words, count);
    } else {
        event->backend = resolve_backend(p, words[1]);
        snprintf(event->command, sizeof(event->command), "%s %s",
                 commands[event->action], words[1]);
    }
}

/* True when event a may happen before event b: a "when" trigger may fire
 * at any time; at one time, events run in file order. */
static bool may_precede(const struct scenario_event *a,
                        const struct scenario_event *b)
{
    if (a->trigger == SCENARIO_AT_PICKS || b->trigger == SCENARIO_AT_PICKS)
        return true;
    return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->line < b->line);
}

/* True when an action that brings backend into the proxy, or (wanted:
 * drain, disable) takes it out of service, may come before ev. */
static bool preceded_by(const struct scenario *sc,
                        const struct scenario_event *ev, int backend,
                        bool (*wanted)(const struct scenario_event *, int))
{
    for (size_t i = 0; i < sc->event_count; i++) {
        if (&sc->events[i] != ev && wanted(&sc->events[i], backend) &&
            may_precede(&sc->events[i], ev))
            return true;
    }
    return false;
}

static bool stops_new_sessions(const struct scenario_event *ev, int backend)
{
    return ev->backend == backend && (ev->action == SCENARIO_DRAIN ||
                                      ev->action == SCENARIO_DISABLE);
}

static bool brings_in(const struct scenario_event *ev, int backend)
{
    return (ev->action == SCENARIO_ADD && ev->backend == backend) ||
           (ev->action == SCENARIO_RELOAD && ev->reload.in[backend]);
}

static bool takes_out(const struct scenario_event *ev, int backend)
{
    return (ev->action == SCENARIO_REMOVE && ev->backend == backend) ||
           (ev->action == SCENARIO_RELOAD && ev->reload.backends_given &&
            !ev->reload.in[backend]);
}

/* Whether backend is in the proxy when ev runs, by the timed events
 * before it: 1 in, -1 out, 0 not known (a "when" trigger adds or takes it
 * out at a time the file does not fix). *by: the event that put it so,
 * NULL for the start. */
static int membership_before(const struct scenario *sc,
                             const struct scenario_event *ev, int backend,
                             const struct scenario_event **by)
{
    int in = sc->backends[backend].standby ? -1 : 1;

    *by = NULL;
    if (ev->trigger == SCENARIO_AT_PICKS)
        return 0;
    for (size_t i = 0; i < sc->event_count; i++) {
        const struct scenario_event *e = &sc->events[i];
        bool puts_in = brings_in(e, backend), puts_out = takes_out(e, backend);

        /* A remove with no drain or disable before it is an error of its
         * own, and would leave the backend in. */
        if (puts_out && e->action == SCENARIO_REMOVE &&
            !preceded_by(sc, e, backend, stops_new_sessions))
            puts_out = false;
        if (e == ev || (!puts_in && !puts_out))
            continue;
        if (e->trigger == SCENARIO_AT_PICKS)
            return 0;
        if (may_precede(e, ev) && (*by == NULL || may_precede(*by, e))) {
            *by = e;
            in = puts_in ? 1 : -1;
        }
    }
    return in;
}

/* The order of the operations: a backend must be in the proxy to be
 * operated on, out of it to be added, out of service to be removed. */
static void check_operation(struct parser *p, const struct scenario_event *ev)
{
    const struct scenario *sc = p->out;
    const char *name, *action = scenario_action_name(ev->action);
    const struct scenario_event *by;
    int in;

    if (ev->backend < 0 || !scenario_action_operates(ev->action))
        return;
    name = sc->backends[ev->backend].name;
    in = membership_before(sc, ev, ev->backend, &by);
    if (by != NULL && in == 1 && ev->action == SCENARIO_ADD) {
        report(p, ev->line, "add %s: %s is in the proxy by then (brought in "
               "at line %d)", name, name, by->line);
        return;
    }
    if (by != NULL && in == -1 && ev->action != SCENARIO_ADD) {
        report(p, ev->line, "%s %s: %s is out of the proxy by then (taken "
               "out at line %d)", action, name, name, by->line);
        return;
    }
    if (ev->action == SCENARIO_ADD) {
        if (!sc->backends[ev->backend].standby &&
            !preceded_by(sc, ev, ev->backend, takes_out))
            report(p, ev->line, "add %s: %s is given to the proxy at its "
                   "start; declare it 'backend %s standby' to add it later, "
                   "or remove it before", name, name, name);
        return;
    }
    if (sc->backends[ev->backend].standby &&
        !preceded_by(sc, ev, ev->backend, brings_in))
        report(p, ev->line, "%s %s: %s is standby and no add or reload "
               "brings it into the proxy before", action, name, name);
    else if ((ev->action == SCENARIO_REMOVE ||
              ev->action == SCENARIO_ENABLE) &&
             !preceded_by(sc, ev, ev->backend, stops_new_sessions))
        report(p, ev->line, "%s %s: no drain or disable of %s comes before "
               "it (%s)", action, name, name,
               ev->action == SCENARIO_REMOVE
                   ? "the proxy removes only a backend that takes no new "
                     "sessions and has none left"
                   : "enable ends a drain or a disable");
}

/* Reads "kinds=K,K..." into a mask. Reports and returns -1 on an error. */
static int read_chaos_kinds(struct parser *p, char *list, unsigned *mask)
{
    char *rest, word[SHOWN_MAX];

    *mask = 0;
    for (char *name = strtok_r(list, ",", &rest); name != NULL;
         name = strtok_r(NULL, ",", &rest)) {
        unsigned k = 0;

        while (k < SCENARIO_CHAOS_KINDS && strcmp(chaos_kind_names[k], name))
            k++;
        if (k == SCENARIO_CHAOS_KINDS) {
            report(p, p->line, "chaos: unknown kind '%s' (kinds: crash, "
                   "pause, link-latency, link-slicer, link-reset, "
                   "link-blackhole, syn-drop, refuse)",
                   parse_escape(name, word, sizeof(word)));
            return -1;
        }
        if (*mask & (1u << k)) {
            report(p, p->line, "chaos: kind %s is given twice", name);
            return -1;
        }
        *mask |= 1u << k;
    }
    if (*mask != 0)
        return 0;
    report(p, p->line, "chaos: kinds= names no kind");
    return -1;
}

/* Reads "D..D" into *min and *max. */
static int read_gaps(struct parser *p, char *text, long *min, long *max)
{
    char *dots = strstr(text, "..");

    if (dots == NULL) {
        if (read_value(p, &chaos_gap_rule, text, min) == -1)
            return -1;
        *max = *min;
        return 0;
    }
    *dots = '\0';
    if (read_value(p, &chaos_gap_rule, text, min) == -1 ||
        read_value(p, &chaos_gap_rule, dots + 2, max) == -1)
        return -1;
    if (*min <= *max)
        return 0;
    report(p, p->line, "chaos: every %s..%s: the first gap must not be "
           "longer than the second", text, dots + 2);
    return -1;
}

/* Checks the window of a chaos line against the scenario's time. */
static void check_chaos_window(struct parser *p,
                               const struct scenario_chaos *c)
{
    char from[24], to[24], limit[24];

    parse_format_ms(c->from_ms, from, sizeof(from));
    parse_format_ms(c->to_ms, to, sizeof(to));
    if (c->from_ms >= c->to_ms)
        report(p, p->line, "chaos from %s to %s: the window is empty", from,
               to);
    else if (c->to_ms > p->survey.timeout_ms)
        report(p, p->line, "chaos to %s is after the timeout (%s)", to,
               parse_format_ms(p->survey.timeout_ms, limit, sizeof(limit)));
}

/* "chaos from D to D every D[..D] kinds=K,K... [targets=one|minority|all]" */
static void parse_chaos(struct parser *p, char **words, int count)
{
    struct scenario_chaos c = { .line = p->line };
    int errors_before = p->error_count;
    long targets = SCENARIO_CHAOS_ONE;

    if (p->out->chaos.line != 0) {
        report(p, p->line, "chaos is already given on line %d",
               p->out->chaos.line);
        return;
    }
    if ((count != 8 && count != 9) || strcmp(words[1], "from") != 0 ||
        strcmp(words[3], "to") != 0 || strcmp(words[5], "every") != 0 ||
        strncmp(words[7], "kinds=", 6) != 0 ||
        (count == 9 && strncmp(words[8], "targets=", 8) != 0)) {
        report(p, p->line, "expected 'chaos from D to D every D..D kinds=K,K "
               "[targets=one|minority|all]', like 'chaos from 1s to 6s every "
               "500ms..1s kinds=crash,link-latency targets=one'");
        return;
    }
    read_value(p, &chaos_time_rule, words[2], &c.from_ms);
    read_value(p, &chaos_time_rule, words[4], &c.to_ms);
    read_gaps(p, words[6], &c.every_min_ms, &c.every_max_ms);
    read_chaos_kinds(p, words[7] + 6, &c.kinds);
    if (count == 9)
        read_value(p, &chaos_targets_rule, words[8] + 8, &targets);
    c.targets = (enum scenario_chaos_targets)targets;
    if (p->error_count == errors_before)
        check_chaos_window(p, &c);
    if (p->error_count == errors_before)
        p->out->chaos = c;
}

/* Backends a chaos fault may hit: those that run from the start. */
static void chaos_eligible(const struct scenario *sc, bool *eligible)
{
    for (size_t i = 0; i < sc->backend_count; i++) {
        const struct scenario_backend *b = &sc->backends[i];

        eligible[i] = !b->down && !b->blackhole && b->start_ms == 0;
    }
}

/* Notes which backends need a link (link/heal, or a chaos link kind) and
 * a control channel (set). */
static void mark_live_targets(struct scenario *sc)
{
    bool eligible[SCENARIO_MAX_BACKENDS];
    bool chaos_links = false;

    for (unsigned k = 0; k < SCENARIO_CHAOS_KINDS; k++)
        chaos_links |= (sc->chaos.kinds & (1u << k)) != 0 &&
                       chaos_kind_is_link((enum scenario_chaos_kind)k);
    chaos_eligible(sc, eligible);
    for (size_t i = 0; i < sc->backend_count; i++)
        sc->backends[i].linked = chaos_links && eligible[i];
    for (size_t i = 0; i < sc->event_count; i++) {
        const struct scenario_event *ev = &sc->events[i];
        bool linking = ev->action == SCENARIO_LINK ||
                       ev->action == SCENARIO_HEAL;

        if (linking && ev->backend == SCENARIO_TARGET_CLIENTS)
            sc->clients_linked = true;
        else if (linking && ev->backend >= 0)
            sc->backends[ev->backend].linked = true;
        else if (ev->action == SCENARIO_SET && ev->backend >= 0)
            sc->backends[ev->backend].controlled = true;
        sc->operated |= scenario_action_operates(ev->action);
        sc->reloaded |= ev->action == SCENARIO_RELOAD;
    }
}

/* True when link event may come before heal event on the timeline. */
static bool link_precedes(const struct scenario_event *link,
                          const struct scenario_event *heal)
{
    if (link->action != SCENARIO_LINK || link->backend != heal->backend ||
        (heal->kind[0] != '\0' && strcmp(link->kind, heal->kind) != 0))
        return false;
    return link->trigger == SCENARIO_AT_PICKS ||
           heal->trigger == SCENARIO_AT_PICKS || link->at_ms <= heal->at_ms;
}

/* A heal with no link it could remove. */
static void check_heal(struct parser *p, const struct scenario_event *heal)
{
    const struct scenario *sc = p->out;

    for (size_t i = 0; i < sc->event_count; i++) {
        if (link_precedes(&sc->events[i], heal))
            return;
    }
    report(p, heal->line, "heal %s%s%s: no link puts %s fault on it before",
           heal->backend == SCENARIO_TARGET_CLIENTS
               ? "clients" : sc->backends[heal->backend].name,
           heal->kind[0] != '\0' ? " " : "", heal->kind,
           heal->kind[0] != '\0' ? "that" : "a");
}

/* A live fault on a backend that never runs: a blackhole (no process), or
 * one declared down that no start event brings up. */
static void check_target_runs(struct parser *p,
                              const struct scenario_event *ev)
{
    const struct scenario_backend *b;
    bool live = ev->action == SCENARIO_LINK || ev->action == SCENARIO_HEAL ||
                ev->action == SCENARIO_SET;

    if (!live || ev->backend < 0)
        return;
    b = &p->out->backends[ev->backend];
    if (b->blackhole && ev->action == SCENARIO_SET)
        report(p, ev->line, "set %s: %s is a blackhole, no process runs to "
               "change", b->name, b->name);
    else if (b->blackhole)
        report(p, ev->line, "%s %s: %s is a blackhole: nothing listens "
               "behind a link", scenario_action_name(ev->action), b->name,
               b->name);
    else if (b->down && p->start_line[ev->backend] == 0)
        report(p, ev->line, "%s %s: %s is declared down (line %d) and no "
               "'start %s' ever starts it", scenario_action_name(ev->action),
               b->name, b->name, b->line, b->name);
}

/* Bursts that can never meet "expect clients ok". */
static void check_bursts_against_expects(struct parser *p)
{
    const struct scenario *sc = p->out;

    for (size_t e = 0; e < sc->expect_count; e++) {
        if (sc->expects[e].check != SCENARIO_CHECK_CLIENTS_OK ||
            sc->expects[e].expect_fail)
            continue;
        for (size_t i = 0; i < sc->event_count; i++) {
            const struct scenario_event *ev = &sc->events[i];

            if (ev->action == SCENARIO_CLIENTS && !ev->burst.may_fail &&
                strcmp(ev->burst.behaviour.key, "no-read") == 0)
                report(p, ev->line, "no-read clients never read a reply, so "
                       "'expect clients ok' (line %d) cannot judge them; "
                       "give them may-fail, or expect no-lost-clients",
                       sc->expects[e].line);
        }
    }
}

/* A slow start of backend: the proxy's, or one its add gives it. */
static bool slow_starts(const struct scenario *sc, int backend)
{
    for (size_t i = 0; i < sc->event_count; i++) {
        if (sc->events[i].action == SCENARIO_ADD &&
            sc->events[i].backend == backend &&
            sc->events[i].add_slowstart_ms > 0)
            return true;
    }
    return scenario_proxy_number(sc, "slowstart", 0) > 0;
}

/* The expectations on operations need what the rest of the file sets. */
static void check_expect_operated(struct parser *p,
                                  const struct scenario_expect *e)
{
    const struct scenario *sc = p->out;
    const char *name = e->backend >= 0 ? sc->backends[e->backend].name : "";
    bool drained = false;

    for (size_t i = 0; i < sc->event_count; i++)
        drained |= sc->events[i].action == SCENARIO_DRAIN &&
                   sc->events[i].backend == e->backend;
    if (e->check == SCENARIO_CHECK_DRAINED && !drained)
        report(p, e->line, "drained %s needs an action 'drain %s'", name,
               name);
    else if (e->check == SCENARIO_CHECK_SLOWSTART &&
             !slow_starts(sc, e->backend))
        report(p, e->line, "slowstart %s needs a slow start: add 'proxy "
               "slowstart=D', or 'add %s slowstart=D', with D above 0",
               name, name);
    else if ((e->check == SCENARIO_CHECK_EJECTED ||
              e->check == SCENARIO_CHECK_RESTORED) &&
             scenario_proxy_number(sc, "eject-after", 0) <= 0)
        report(p, e->line, "%s %s needs outlier ejection: add 'proxy "
               "eject-after=N' with N above 0", e->check ==
               SCENARIO_CHECK_EJECTED ? "ejected" : "restored", name);
    else if ((e->check == SCENARIO_CHECK_QUEUE_WAIT ||
              e->check == SCENARIO_CHECK_QUEUE_FIFO) &&
             scenario_proxy_number(sc, "queue", 0) <= 0)
        report(p, e->line, "%s needs the proxy's queue: add 'proxy queue=N' "
               "with N above 0", e->text);
}

/* The checks of the live faults that need the whole file. */
static void check_live_faults(struct parser *p)
{
    struct scenario *sc = p->out;

    for (size_t i = 0; i < sc->event_count; i++) {
        check_target_runs(p, &sc->events[i]);
        check_operation(p, &sc->events[i]);
        if (sc->events[i].action == SCENARIO_HEAL)
            check_heal(p, &sc->events[i]);
    }
    check_bursts_against_expects(p);
    for (size_t e = 0; e < sc->expect_count; e++)
        check_expect_operated(p, &sc->expects[e]);
    mark_live_targets(sc);
    sc->chaos_first = sc->event_count;
    if (sc->chaos.line != 0 && scenario_plan_chaos(sc, sc->seed) == -1)
        report(p, sc->chaos.line, "chaos: the plan needs more than the %zu "
               "timeline events left (at most %d in all); shorten the "
               "window or lengthen the gaps",
               SCENARIO_MAX_EVENTS - sc->chaos_first, SCENARIO_MAX_EVENTS);
    else if (sc->chaos.line != 0 && sc->event_count == sc->chaos_first)
        report(p, sc->chaos.line, "chaos: no backend runs from the start to "
               "put faults on");
}

/* The handler of directive word, or NULL. */
static directive_fn find_directive(const char *word)
{
    static const struct {
        const char *word;
        directive_fn parse;
    } directives[] = {
        { "seed", parse_seed }, { "timeout", parse_timeout },
        { "proxy", parse_proxy }, { "backend", parse_backend },
        { "backends", parse_group },
        { "at", parse_at }, { "when", parse_when },
        { "expect", parse_expect }, { "expect-fail", parse_expect },
        { "chaos", parse_chaos },
    };

    for (size_t i = 0; i < COUNT_OF(directives); i++) {
        if (strcmp(word, directives[i].word) == 0)
            return directives[i].parse;
    }
    return NULL;
}

/* Cuts line at its '#'. Returns the comment's text, or NULL. */
static char *cut_comment(char *line)
{
    char *hash = strchr(line, '#');

    if (hash == NULL)
        return NULL;
    *hash = '\0';
    return hash + 1;
}

/* Splits line in place at spaces, tabs and '\r'. Returns the number of
 * words; stops counting at WORDS_MAX + 1 (words holds that many). */
static int split_words(char *line, char **words)
{
    static const char blanks[] = " \t\r";
    char *rest;
    int count = 0;

    for (char *word = strtok_r(line, blanks, &rest); word != NULL;
         word = strtok_r(NULL, blanks, &rest)) {
        words[count++] = word;
        if (count > WORDS_MAX)
            break;
    }
    return count;
}

/* The length of the valid UTF-8 sequence at s that is no control
 * character (C0, DEL, or C1: U+0080 to U+009F), or 0. */
static size_t printable_utf8(const unsigned char *s)
{
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;

    if (s[0] < 0x80)
        return s[0] >= 0x20 && s[0] != 0x7f;
    /* The second byte's range rules out overlong forms, surrogates, code
     * points past U+10FFFF, and (after 0xc2) the C1 controls. */
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 1;
        lo = s[0] == 0xc2 ? 0xa0 : 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 2;
        lo = s[0] == 0xe0 ? 0xa0 : 0x80;
        hi = s[0] == 0xed ? 0x9f : 0xbf;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 3;
        lo = s[0] == 0xf0 ? 0x90 : 0x80;
        hi = s[0] == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return need + 1;
}

/* Keeps the first comment line before any directive as the description. */
static void take_description(struct parser *p, char *comment)
{
    static const char blanks[] = " \t\r";
    size_t len;

    if (p->past_header || p->out->description[0] != '\0')
        return;
    comment += strspn(comment, blanks);
    len = strlen(comment);
    while (len > 0 && strchr(blanks, comment[len - 1]) != NULL)
        comment[--len] = '\0';
    /* A terminal shown the description must not take it for commands:
     * control characters (C1 too) and bytes that are no UTF-8 become '?',
     * one per byte or sequence, in place (the text only shrinks). */
    for (char *in = comment, *out = comment;; ) {
        const unsigned char *u = (const unsigned char *)in;
        size_t n;

        if (*in == '\0') {
            *out = '\0';
            break;
        }
        n = printable_utf8(u);
        if (n == 0) {
            /* A C1 character is one '?' for its two bytes. Measured
             * before the '?' is written: out may still be in. */
            in += u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0 ? 2 : 1;
            *out++ = '?';
            continue;
        }
        memmove(out, in, n);
        out += n;
        in += n;
    }
    copy_cut(p->out->description, sizeof(p->out->description), comment);
}

/* The second pass over one line (a writable copy). */
static void parse_line(struct parser *p, char *line)
{
    char *words[WORDS_MAX + 1], word[SHOWN_MAX];
    char *comment = cut_comment(line);
    int count = split_words(line, words);
    directive_fn parse;

    if (count == 0) {
        if (comment != NULL)
            take_description(p, comment);
        return;
    }
    p->past_header = true;
    if (count > WORDS_MAX) {
        report(p, p->line, "too many words on one line (at most %d)",
               WORDS_MAX);
        return;
    }
    parse = find_directive(words[0]);
    if (parse != NULL)
        parse(p, words, count);
    else
        report(p, p->line, "unknown directive '%s' (expected seed, timeout, "
               "proxy, backend, backends, at, when, chaos, expect or "
               "expect-fail)",
               parse_escape(words[0], word, sizeof(word)));
}

/*
 * Copies the next line, without its '\n', into buf (LINE_MAX_BYTES + 1).
 * A line too long or holding a NUL byte is skipped whole; its status says
 * why, and r->number counts it anyway.
 */
static enum line_status reader_next(struct line_reader *r, char *buf)
{
    const char *start = r->data + r->pos;
    const char *newline;
    size_t len;

    if (r->pos >= r->len)
        return LINE_END;
    newline = memchr(start, '\n', r->len - r->pos);
    len = newline != NULL ? (size_t)(newline - start) : r->len - r->pos;
    r->pos += len + (newline != NULL ? 1 : 0);
    if (r->number < INT_MAX)
        r->number++;
    if (len > LINE_MAX_BYTES)
        return LINE_TOO_LONG;
    if (memchr(start, '\0', len) != NULL)
        return LINE_HAS_NUL;
    memcpy(buf, start, len);
    buf[len] = '\0';
    return LINE_OK;
}

/* The first pass over the whole text. */
static void survey_text(struct survey *survey, const char *data, size_t len)
{
    struct line_reader reader = { data, len, 0, 0 };
    char line[LINE_MAX_BYTES + 1];
    char *words[WORDS_MAX + 1];
    enum line_status status;
    int count;

    while ((status = reader_next(&reader, line)) != LINE_END) {
        if (status != LINE_OK)
            continue;
        cut_comment(line);
        count = split_words(line, words);
        if (count <= WORDS_MAX)
            survey_line(survey, words, count);
    }
}

/* The second pass over the whole text, then the file-wide checks. */
static void parse_text_lines(struct parser *p, const char *data, size_t len)
{
    struct line_reader reader = { data, len, 0, 0 };
    char line[LINE_MAX_BYTES + 1];
    enum line_status status;

    while ((status = reader_next(&reader, line)) != LINE_END) {
        p->line = reader.number;
        if (status == LINE_TOO_LONG)
            report(p, p->line, "line is longer than %d bytes",
                   LINE_MAX_BYTES);
        else if (status == LINE_HAS_NUL)
            report(p, p->line, "line holds a NUL byte");
        else
            parse_line(p, line);
    }
    if (p->out->backend_count == 0 && p->out->group_count == 0)
        report(p, 0, "no backend is declared (add a line like 'backend b1')");
    if (p->out->expect_count == 0)
        report(p, 0, "no expectation (add a line like 'expect relay exact')");
    check_live_faults(p);
}

/* Fills *out with the defaults of an empty scenario called name. */
static void scenario_init(struct scenario *out, const char *name)
{
    memset(out, 0, sizeof(*out));
    /* Reports print it: control bytes in a file name are shown escaped. */
    parse_escape(name, out->path, sizeof(out->path));
    out->seed = 1;
    out->timeout_ms = TIMEOUT_DEFAULT_MS;
}

/* Both passes over data[0..len), which need not end with a NUL. */
static int parse_buffer(const char *name, const char *data, size_t len,
                        struct scenario *out, FILE *errors)
{
    struct parser p;

    memset(&p, 0, sizeof(p));
    p.name = name;
    p.errors = errors;
    p.out = out;
    p.survey.timeout_ms = TIMEOUT_DEFAULT_MS;
    p.survey.idle_timeout_ms = -1;
    survey_text(&p.survey, data, len);
    parse_text_lines(&p, data, len);
    return p.error_count;
}

int scenario_parse_text(const char *name, const char *text,
                        struct scenario *out, FILE *errors)
{
    if (name == NULL)
        name = "(text)";
    scenario_init(out, name);
    if (text == NULL)
        text = "";
    return parse_buffer(name, text, strlen(text), out, errors);
}

/*
 * Reads all of path into a new buffer (*data, *len). Returns 0, 1 when the
 * file is larger than FILE_MAX_BYTES (nothing kept), 2 when path is not a
 * regular file (*kind says what it is), or -1 with errno.
 */
static int read_whole_file(const char *path, char **data, size_t *len,
                           const char **kind)
{
    FILE *file = file_open_regular(path, kind);
    size_t got;
    int rc = 0;

    *data = NULL;
    *len = 0;
    if (file == NULL)
        return *kind != NULL ? 2 : -1;
    *data = malloc(FILE_MAX_BYTES + 1);
    if (*data == NULL) {
        fclose(file);
        errno = ENOMEM;
        return -1;
    }
    got = fread(*data, 1, FILE_MAX_BYTES + 1, file);
    if (ferror(file)) {
        rc = -1;
        errno = errno != 0 ? errno : EIO;
    } else if (got > (size_t)FILE_MAX_BYTES) {
        rc = 1;
    }
    fclose(file);
    *len = got;
    return rc;
}

int scenario_parse_file(const char *path, struct scenario *out, FILE *errors)
{
    char *data, shown_path[SHOWN_PATH_MAX];
    const char *kind;
    size_t len;
    int rc, saved_errno;

    scenario_init(out, path);
    errno = 0;
    rc = read_whole_file(path, &data, &len, &kind);
    saved_errno = errno;
    parse_escape(path, shown_path, sizeof(shown_path));
    if (rc == -1 && errors != NULL)
        fprintf(errors, "%s: cannot read: %s\n", shown_path,
                strerror(saved_errno));
    else if (rc == 1 && errors != NULL)
        fprintf(errors, "%s: the file is larger than %ld bytes\n", shown_path,
                FILE_MAX_BYTES);
    else if (rc == 2 && errors != NULL)
        fprintf(errors, "%s: cannot read: %s, not a regular file\n",
                shown_path, kind);
    if (rc == 2)
        rc = -1;
    if (rc == 0)
        rc = parse_buffer(path, data, len, out, errors);
    free(data);
    return rc;
}

bool scenario_backends_echo(const struct scenario *scenario)
{
    return scenario->backend_count > 0 &&
           backend_is_echo(&scenario->backends[0]);
}

int scenario_backend_index(const struct scenario *scenario, const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < scenario->backend_count; i++) {
        if (strcmp(scenario->backends[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

int scenario_burst_number(const struct scenario *scenario, int event)
{
    int number = 0;

    if (event < 0 || (size_t)event >= scenario->event_count ||
        scenario->events[event].action != SCENARIO_CLIENTS)
        return 0;
    for (int i = 0; i <= event; i++)
        number += scenario->events[i].action == SCENARIO_CLIENTS;
    return number;
}

bool scenario_wants_request_lines(const struct scenario *scenario)
{
    bool idle_set = false;

    for (size_t i = 0; i < scenario->proxy_count; i++)
        idle_set |= strcmp(scenario->proxy[i].key, "idle-timeout") == 0;
    for (size_t i = 0; i < scenario->expect_count; i++) {
        enum scenario_check check = scenario->expects[i].check;

        if (check == SCENARIO_CHECK_IDLE_CLOSED ||
            (check == SCENARIO_CHECK_NO_LOST_CLIENTS && idle_set))
            return true;
    }
    return false;
}

const char *scenario_action_name(enum scenario_action action)
{
    if (action == SCENARIO_STOP_PROXY)
        return "stop proxy";
    if ((unsigned)action >= COUNT_OF(action_names))
        return "?";
    return action_names[action];
}

long scenario_proxy_number(const struct scenario *scenario, const char *key,
                           long fallback)
{
    long number;

    for (size_t i = 0; i < scenario->proxy_count; i++) {
        if (strcmp(scenario->proxy[i].key, key) == 0 &&
            parse_duration_ms(scenario->proxy[i].value, 0, LONG_MAX,
                              &number) == 0)
            return number;
    }
    return fallback;
}

const char *scenario_policy(const struct scenario *scenario)
{
    for (size_t i = 0; i < scenario->proxy_count; i++) {
        if (strcmp(scenario->proxy[i].key, "balance") == 0)
            return scenario->proxy[i].value;
    }
    return "leastconn";
}

int scenario_set_policy(struct scenario *scenario, const char *policy)
{
    size_t i = 0;

    while (i < scenario->proxy_count &&
           strcmp(scenario->proxy[i].key, "balance") != 0)
        i++;
    if (i == SCENARIO_MAX_OPTIONS)
        return -1;
    if (i == scenario->proxy_count)
        scenario->proxy_count++;
    snprintf(scenario->proxy[i].key, sizeof(scenario->proxy[i].key),
             "balance");
    snprintf(scenario->proxy[i].value, sizeof(scenario->proxy[i].value),
             "%s", policy);
    return 0;
}

bool scenario_action_operates(enum scenario_action action)
{
    return action >= SCENARIO_DRAIN && action <= SCENARIO_RELOAD;
}

const char *scenario_chaos_kind_name(enum scenario_chaos_kind kind)
{
    if ((unsigned)kind >= COUNT_OF(chaos_kind_names))
        return "?";
    return chaos_kind_names[kind];
}

int scenario_plan_chaos(struct scenario *scenario, unsigned long seed)
{
    bool eligible[SCENARIO_MAX_BACKENDS];
    size_t count;
    int rc;

    if (scenario->chaos.line == 0)
        return 0;
    chaos_eligible(scenario, eligible);
    scenario->chaos.seed = seed;
    rc = chaos_plan(&scenario->chaos, eligible, scenario->backend_count, seed,
                    scenario->events + scenario->chaos_first,
                    SCENARIO_MAX_EVENTS - scenario->chaos_first, &count);
    scenario->event_count = scenario->chaos_first + count;
    return rc == -1 ? -1 : 0;
}
