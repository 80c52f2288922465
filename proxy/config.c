/*
 * config: option table, command-line and config-file parsing. See config.h.
 *
 * One table (options[]) describes every setting once: its name, whether it
 * takes a value, its help text and the function that applies it. getopt_long
 * and the config-file reader both go through that table, so the command
 * line, the file and --help can never disagree.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "log_sink.h"
#include "parse.h"

#define PROXY_VERSION "1.0.0"

typedef int (*apply_fn)(struct config *cfg, const char *value, char *err,
                        size_t errlen);

struct option_def {
    const char *name;
    int short_name;             /* 0: long only */
    const char *arg;            /* NULL: takes no value */
    const char *help;
    apply_fn apply;             /* NULL: handled by config_parse itself */
};

static int apply_listen(struct config *cfg, const char *value, char *err,
                        size_t errlen)
{
    return net_parse_hostport(value, "127.0.0.1", &cfg->listen, err, errlen);
}

static int apply_backend(struct config *cfg, const char *value, char *err,
                         size_t errlen)
{
    /* The first backend from a file replaces the defaults; the first from
     * the command line replaces the file's. */
    if (cfg->backends_origin != cfg->applying) {
        cfg->backends_origin = cfg->applying;
        cfg->backend_count = 0;
    }
    return config_add_backend(cfg, value, err, errlen);
}

/* Reports a bad number in the words the user typed. */
static int bad_number(const char *what, const char *value, long min, long max,
                      char *err, size_t errlen)
{
    snprintf(err, errlen, "%s '%s' must be a number from %ld to %ld", what,
             value, min, max);
    return -1;
}

static int apply_int(const char *what, const char *value, long min, long max,
                     int *out, char *err, size_t errlen)
{
    long number;

    if (parse_long(value, min, max, &number) == -1)
        return bad_number(what, value, min, max, err, errlen);
    *out = (int)number;
    return 0;
}

static int apply_ms(const char *what, const char *value, long min, long max,
                    long *out, char *err, size_t errlen)
{
    if (parse_duration_ms(value, min, max, out) == -1) {
        snprintf(err, errlen, "%s '%s' must be a duration from %ldms to %ldms "
                 "(e.g. 500, 500ms, 2s)", what, value, min, max);
        return -1;
    }
    return 0;
}

static int apply_threads(struct config *cfg, const char *value, char *err,
                         size_t errlen)
{
    return apply_int("threads", value, 1, 256, &cfg->threads, err, errlen);
}

static int apply_cpu_affinity(struct config *cfg, const char *value,
                              char *err, size_t errlen)
{
    if (strcmp(value, "auto") == 0) {
        cfg->cpu_affinity = true;
    } else if (strcmp(value, "none") == 0) {
        cfg->cpu_affinity = false;
    } else {
        snprintf(err, errlen, "cpu-affinity '%s' must be auto or none", value);
        return -1;
    }
    return 0;
}

static int apply_balance(struct config *cfg, const char *value, char *err,
                         size_t errlen)
{
    if (balancer_policy_parse(value, &cfg->balance) == -1) {
        snprintf(err, errlen, "balance '%s' must be leastconn, roundrobin or "
                 "random", value);
        return -1;
    }
    return 0;
}

static int apply_connect_timeout(struct config *cfg, const char *value,
                                 char *err, size_t errlen)
{
    return apply_ms("connect-timeout", value, 1, 600000,
                    &cfg->connect_timeout_ms, err, errlen);
}

static int apply_idle_timeout(struct config *cfg, const char *value, char *err,
                              size_t errlen)
{
    return apply_ms("idle-timeout", value, 0, 86400000, &cfg->idle_timeout_ms,
                    err, errlen);
}

static int apply_health_interval(struct config *cfg, const char *value,
                                 char *err, size_t errlen)
{
    return apply_ms("health-interval", value, 0, 3600000,
                    &cfg->health_interval_ms, err, errlen);
}

static int apply_grace(struct config *cfg, const char *value, char *err,
                       size_t errlen)
{
    return apply_ms("grace", value, 0, 600000, &cfg->grace_ms, err, errlen);
}

static int apply_log_buffer(struct config *cfg, const char *value, char *err,
                            size_t errlen)
{
    const long min = 64L << 10, max = 1L << 30;

    if (parse_size(value, min, max, &cfg->log_buffer) == -1) {
        snprintf(err, errlen, "log-buffer '%s' must be a size from 64k to 1G "
                 "(e.g. 256k, 4M)", value);
        return -1;
    }
    return 0;
}

static int apply_rise(struct config *cfg, const char *value, char *err,
                      size_t errlen)
{
    return apply_int("rise", value, 1, 100, &cfg->rise, err, errlen);
}

static int apply_fall(struct config *cfg, const char *value, char *err,
                      size_t errlen)
{
    return apply_int("fall", value, 1, 100, &cfg->fall, err, errlen);
}

static int apply_maxconn(struct config *cfg, const char *value, char *err,
                         size_t errlen)
{
    if (parse_long(value, 0, 10000000, &cfg->maxconn) == -1)
        return bad_number("maxconn", value, 0, 10000000, err, errlen);
    return 0;
}

static int apply_log_level(struct config *cfg, const char *value, char *err,
                           size_t errlen)
{
    if (log_level_parse(value, &cfg->log_level) == -1) {
        snprintf(err, errlen, "log-level '%s' must be error, warn, info or "
                 "debug", value);
        return -1;
    }
    return 0;
}

static int apply_stats(struct config *cfg, const char *value, char *err,
                       size_t errlen)
{
    cfg->stats_enabled = true;
    return net_parse_hostport(value, "127.0.0.1", &cfg->stats, err, errlen);
}

static int apply_seed(struct config *cfg, const char *value, char *err,
                      size_t errlen)
{
    long seed;

    if (parse_long(value, 0, 2147483647L, &seed) == -1)
        return bad_number("seed", value, 0, 2147483647L, err, errlen);
    cfg->seed = (unsigned long)seed;
    return 0;
}

static const struct option_def options[] = {
    { "listen", 'l', "[HOST:]PORT",
      "listen address (default 127.0.0.1:8080; port 0: any free port)",
      apply_listen },
    { "backend", 'b', "[NAME=][HOST:]PORT[,weight=W][,maxconn=M]",
      "a backend; repeat for more (default b1=127.0.0.1:9090 "
      "b2=127.0.0.1:9091)", apply_backend },
    { "threads", 't', "N", "worker threads, 1..256 (default: online CPUs)",
      apply_threads },
    { "cpu-affinity", 0, "MODE",
      "auto: pin worker N to the Nth CPU the process may use; none: let "
      "the kernel place them (default none)", apply_cpu_affinity },
    { "balance", 0, "POLICY",
      "leastconn, roundrobin or random (default leastconn)", apply_balance },
    { "connect-timeout", 0, "MS", "backend connect timeout (default 3s)",
      apply_connect_timeout },
    { "idle-timeout", 0, "MS",
      "close a session idle this long, 0: never (default 60s)",
      apply_idle_timeout },
    { "health-interval", 0, "MS",
      "active TCP check every MS, 0: off (default 1s)", apply_health_interval },
    { "rise", 0, "N", "good checks to mark a backend up (default 2)",
      apply_rise },
    { "fall", 0, "N", "failed checks to mark a backend down (default 2)",
      apply_fall },
    { "maxconn", 0, "N",
      "sessions at once; more wait in the listen queue, 0: as many as "
      "ulimit -n holds (default 0)", apply_maxconn },
    { "grace", 0, "MS", "on SIGINT/SIGTERM, let sessions drain this long "
      "(default 1s)", apply_grace },
    { "stats", 0, "[HOST:]PORT",
      "serve the backend table here, plain or over HTTP (GET /, GET "
      "/metrics for Prometheus) (default off)", apply_stats },
    { "log-level", 0, "LEVEL", "error, warn, info or debug (default info)",
      apply_log_level },
    { "log-buffer", 0, "SIZE",
      "log lines held for a reader that does not keep up; more are "
      "dropped and counted (default 1M)", apply_log_buffer },
    { "seed", 0, "N", "seed for --balance random (default 1)", apply_seed },
    { "config", 'c', "FILE", "read settings from FILE (command line wins)",
      NULL },
    { "help", 'h', NULL, "show this help and exit", NULL },
    { "version", 'V', NULL, "show the version and exit", NULL },
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

void config_defaults(struct config *cfg)
{
    char err[CONFIG_ERR_MAX];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    memset(cfg, 0, sizeof(*cfg));
    net_parse_hostport("127.0.0.1:8080", NULL, &cfg->listen, err, sizeof(err));
    config_add_backend(cfg, "b1=127.0.0.1:9090", err, sizeof(err));
    config_add_backend(cfg, "b2=127.0.0.1:9091", err, sizeof(err));
    cfg->threads = cpus < 1 ? 1 : cpus > 256 ? 256 : (int)cpus;
    cfg->balance = BALANCER_LEASTCONN;
    cfg->connect_timeout_ms = 3000;
    cfg->idle_timeout_ms = 60000;
    cfg->health_interval_ms = 1000;
    cfg->rise = 2;
    cfg->fall = 2;
    cfg->grace_ms = 1000;
    cfg->log_level = LOG_INFO;
    cfg->log_buffer = LOG_SINK_CAPACITY;
    cfg->seed = 1;
}

static bool valid_name(const char *name, size_t len)
{
    if (len == 0 || len >= BALANCER_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
            name[i] != '-' && name[i] != '.')
            return false;
    }
    return true;
}

/* The ",key=value" settings of a backend and their ranges. */
static const struct {
    const char *key;
    long min;
    long max;
} backend_settings[] = {
    { "weight", 1, 256 },
    { "maxconn", 0, 10000000 },
};

#define BACKEND_SETTING_COUNT \
    (sizeof(backend_settings) / sizeof(backend_settings[0]))

/* Applies one ",key=value" setting of a backend. Bit i of *seen is set once
 * backend_settings[i] was given: a second one would override it unseen. */
static int backend_setting(struct balancer_backend_spec *spec, char *item,
                           unsigned *seen, char *err, size_t errlen)
{
    char *eq = strchr(item, '=');
    char what[32];
    long number;
    size_t i = 0;

    if (eq != NULL)
        *eq = '\0';
    while (i < BACKEND_SETTING_COUNT && strcmp(item, backend_settings[i].key) != 0)
        i++;
    if (eq == NULL || i == BACKEND_SETTING_COUNT) {
        snprintf(err, errlen, "backend setting '%s' must be weight=W or "
                 "maxconn=M", item);
        return -1;
    }
    if (*seen & (1u << i)) {
        snprintf(err, errlen, "backend setting %s is given twice", item);
        return -1;
    }
    *seen |= 1u << i;
    snprintf(what, sizeof(what), "backend %s", item);
    if (parse_long(eq + 1, backend_settings[i].min, backend_settings[i].max,
                   &number) == -1)
        return bad_number(what, eq + 1, backend_settings[i].min,
                          backend_settings[i].max, err, errlen);
    if (i == 0)
        spec->weight = (int)number;
    else
        spec->maxconn = (int)number;
    return 0;
}

/* Fills spec->name from "NAME=" at the start of text; returns what follows. */
static const char *backend_name(struct balancer_backend_spec *spec,
                                const char *text, size_t position,
                                char *err, size_t errlen)
{
    const char *eq = strchr(text, '=');
    const char *comma = strchr(text, ',');

    if (eq == NULL || (comma != NULL && comma < eq)) {
        snprintf(spec->name, sizeof(spec->name), "b%zu", position);
        return text;
    }
    if (!valid_name(text, (size_t)(eq - text))) {
        snprintf(err, errlen, "backend '%s': a name is 1 to %d letters, "
                 "digits, '_', '-' or '.'", text, BALANCER_NAME_MAX - 1);
        return NULL;
    }
    memcpy(spec->name, text, (size_t)(eq - text));
    spec->name[eq - text] = '\0';
    return eq + 1;
}

/* config_add_backend, but err may quote text as it is. */
static int add_backend(struct config *cfg, const char *text, char *err,
                       size_t errlen)
{
    struct balancer_backend_spec spec = { .weight = 1 };
    char copy[512], *save = NULL, *item;
    const char *rest;
    unsigned seen = 0;

    if (cfg->backend_count == BALANCER_MAX_BACKENDS) {
        snprintf(err, errlen, "too many backends (at most %d)",
                 BALANCER_MAX_BACKENDS);
        return -1;
    }
    rest = backend_name(&spec, text, cfg->backend_count + 1, err, errlen);
    if (rest == NULL)
        return -1;
    if (snprintf(copy, sizeof(copy), "%s", rest) >= (int)sizeof(copy)) {
        snprintf(err, errlen, "backend '%.40s...' is too long", text);
        return -1;
    }
    item = strtok_r(copy, ",", &save);
    if (item == NULL ||
        net_parse_hostport(item, "127.0.0.1", &spec.addr, err, errlen) == -1) {
        if (item == NULL)
            snprintf(err, errlen, "backend '%s' has no address", text);
        return -1;
    }
    if (net_addr_port(&spec.addr) == 0) {
        snprintf(err, errlen, "backend '%s': port 0 cannot be connected to",
                 text);
        return -1;
    }
    while ((item = strtok_r(NULL, ",", &save)) != NULL) {
        if (backend_setting(&spec, item, &seen, err, errlen) == -1)
            return -1;
    }
    for (size_t i = 0; i < cfg->backend_count; i++) {
        if (strcmp(cfg->backends[i].name, spec.name) == 0) {
            snprintf(err, errlen, "duplicate backend name '%s'", spec.name);
            return -1;
        }
    }
    cfg->backends[cfg->backend_count++] = spec;
    return 0;
}

int config_add_backend(struct config *cfg, const char *text, char *err,
                       size_t errlen)
{
    if (add_backend(cfg, text, err, errlen) == 0)
        return 0;
    parse_escape(err, err, errlen);
    return -1;
}

static const struct option_def *find_option(const char *name)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    }
    return NULL;
}

/* Splits a config line into name and value (both trimmed, comment removed).
 * Returns 0 for a blank line, 1 for a setting, -1 when malformed. */
static int split_line(char *line, char **name, char **value)
{
    char *hash = strchr(line, '#');
    char *end;

    if (hash != NULL)
        *hash = '\0';
    while (isspace((unsigned char)*line))
        line++;
    end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1]))
        *--end = '\0';
    if (*line == '\0')
        return 0;
    *name = line;
    while (*line != '\0' && !isspace((unsigned char)*line))
        line++;
    if (*line == '\0')
        return -1;
    *line++ = '\0';
    while (isspace((unsigned char)*line))
        line++;
    *value = line;
    return 1;
}

/* Applies line lineno of a config file. set_on[i] is the line that set
 * options[i] (0: none yet): a second line would override it unseen. Only
 * "backend" repeats, one line per backend. */
static int apply_file_line(struct config *cfg, char *line, int lineno,
                           int set_on[OPTION_COUNT], char *err, size_t errlen)
{
    char *name, *value;
    const struct option_def *def;
    int kind = split_line(line, &name, &value);
    size_t index;

    if (kind == 0)
        return 0;
    if (kind == -1) {
        snprintf(err, errlen, "'%.100s' needs a value (\"name value\")", name);
        return -1;
    }
    def = find_option(name);
    if (def == NULL || def->apply == NULL) {
        snprintf(err, errlen, "unknown setting '%.100s'", name);
        return -1;
    }
    index = (size_t)(def - options);
    if (def->apply != apply_backend && set_on[index] != 0) {
        snprintf(err, errlen, "%s is already set on line %d", def->name,
                 set_on[index]);
        return -1;
    }
    set_on[index] = lineno;
    return def->apply(cfg, value, err, errlen);
}

/* Reads one line, without its newline, into buf. Returns its length, -1
 * at the end of the file (or on a read error), -2 when it does not fit,
 * -3 when it holds a NUL byte (text after one would be lost silently). */
static int read_line(FILE *file, char *buf, size_t size)
{
    size_t len = 0;
    int c;

    while ((c = getc(file)) != EOF && c != '\n') {
        if (c == '\0')
            return -3;
        if (len + 1 == size)
            return -2;
        buf[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return -1;
    buf[len] = '\0';
    return (int)len;
}

int config_load_file(struct config *cfg, const char *path, char *err,
                     size_t errlen)
{
    char line[1024], why[CONFIG_ERR_MAX];
    FILE *file = fopen(path, "r");
    int lineno = 0, rc = 0, len, set_on[OPTION_COUNT] = { 0 };

    if (file == NULL) {
        snprintf(err, errlen, "cannot read config '%s': %s", path,
                 strerror(errno));
        parse_escape(err, err, errlen);
        return -1;
    }
    cfg->applying = CONFIG_FROM_FILE;
    while (rc == 0 && (len = read_line(file, line, sizeof(line))) != -1) {
        lineno++;
        if (len == -2)
            snprintf(why, sizeof(why), "line longer than %zu bytes",
                     sizeof(line) - 1);
        else if (len == -3)
            snprintf(why, sizeof(why), "line holds a NUL byte");
        rc = len < 0 ? -1 : apply_file_line(cfg, line, lineno, set_on, why,
                                            sizeof(why));
        if (rc == -1)
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    }
    if (rc == 0 && ferror(file)) {
        snprintf(err, errlen, "cannot read config '%s': %s", path,
                 strerror(errno));
        rc = -1;
    }
    fclose(file);
    if (rc == -1)
        parse_escape(err, err, errlen);
    return rc;
}

static void print_help(FILE *out)
{
    fprintf(out, "Usage: proxy_server [OPTION]...\n"
            "A multi-threaded TCP proxy that sends each new client to the "
            "backend\nwith the fewest active connections.\n\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char left[64];
        const struct option_def *def = &options[i];

        snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
                 def->short_name ? '-' : ' ',
                 def->short_name ? def->short_name : ' ',
                 def->short_name ? ", " : "  ", def->name,
                 def->arg ? " " : "", def->arg ? def->arg : "");
        if (strlen(left) > 26)
            fprintf(out, "  %s\n  %-26s  %s\n", left, "", def->help);
        else
            fprintf(out, "  %-26s  %s\n", left, def->help);
    }
    fprintf(out, "\nEvery long option but config, help and version can also "
            "be a line\n\"name value\" in the config file, once per file "
            "(backend: a line per backend).\nNumbers are decimal digits; an "
            "MS may have a unit and a fraction:\n500, 500ms, 1.5s, 2m.\n"
            "Exit status: 0 after a clean stop, 1 when the proxy cannot start "
            "or fails\nwhile running, 2 on bad usage or a bad config file.\n"
            "The log format is documented in docs/log-format.md.\n");
}

/* Builds getopt_long's tables from options[]. */
static void build_getopt(struct option *longopts, char *shortopts)
{
    size_t s = 0;

    shortopts[s++] = ':';   /* report a missing value as ':' */
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        longopts[i].name = options[i].name;
        longopts[i].has_arg = options[i].arg ? required_argument : no_argument;
        longopts[i].flag = NULL;
        longopts[i].val = options[i].short_name ? options[i].short_name
                                                : 256 + (int)i;
        if (options[i].short_name) {
            shortopts[s++] = (char)options[i].short_name;
            if (options[i].arg)
                shortopts[s++] = ':';
        }
    }
    memset(&longopts[OPTION_COUNT], 0, sizeof(longopts[0]));
    shortopts[s] = '\0';
}

static const struct option_def *option_for(int val)
{
    if (val >= 256)
        return &options[val - 256];
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (options[i].short_name == val)
            return &options[i];
    }
    return NULL;
}

/* Describes getopt's complaint about argv[optind - 1]. */
static void getopt_error(int c, char **argv, char *err, size_t errlen)
{
    const char *arg = argv[optind - 1];

    /* An unknown letter is named by optopt: argv[optind - 1] may still be
     * the argument before it when the letter sits inside a "-xyz" cluster. */
    if (c == ':')
        snprintf(err, errlen, "option '%s' needs a value", arg);
    else if (optopt > 0 && optopt < 256 && option_for(optopt) == NULL)
        snprintf(err, errlen, "unknown option '-%c'", optopt);
    else
        snprintf(err, errlen, "unknown option '%s' (or it takes no value)",
                 arg);
}

/*
 * One pass over argv. The first pass (only_config) loads the config file
 * and checks the syntax; the second applies everything else on top.
 */
static enum config_result scan(struct config *cfg, int argc, char **argv,
                               bool only_config, FILE *out, char *err,
                               size_t errlen)
{
    struct option longopts[OPTION_COUNT + 1];
    char shortopts[2 * OPTION_COUNT + 2];
    int c;

    build_getopt(longopts, shortopts);
    optind = 0;     /* glibc: 0 restarts getopt from scratch */
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct option_def *def = option_for(c);
        char why[CONFIG_ERR_MAX];

        if (c == '?' || c == ':' || def == NULL) {
            getopt_error(c, argv, err, errlen);
            return CONFIG_ERROR;
        }
        if (only_config && c == 'c') {
            if (config_load_file(cfg, optarg, err, errlen) == -1)
                return CONFIG_ERROR;
        } else if (!only_config && (c == 'h' || c == 'V')) {
            if (c == 'h')
                print_help(out);
            else
                fprintf(out, "proxy_server %s\n", PROXY_VERSION);
            return CONFIG_EXIT;
        } else if (!only_config && def->apply != NULL &&
                   def->apply(cfg, optarg, why, sizeof(why)) == -1) {
            snprintf(err, errlen, "--%s: %s", def->name, why);
            return CONFIG_ERROR;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return CONFIG_ERROR;
    }
    return CONFIG_RUN;
}

enum config_result config_parse(struct config *cfg, int argc, char **argv,
                                FILE *out, char *err, size_t errlen)
{
    enum config_result result;

    /* --help must work even next to a broken config file. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(out);
            return CONFIG_EXIT;
        }
    }
    result = scan(cfg, argc, argv, true, out, err, errlen);
    if (result == CONFIG_RUN) {
        cfg->applying = CONFIG_FROM_CLI;
        result = scan(cfg, argc, argv, false, out, err, errlen);
    }
    if (result == CONFIG_ERROR)
        parse_escape(err, err, errlen);
    return result;
}
