/*
 * config: command-line and config-file parsing. See config.h.
 *
 * One table (config_options.c) describes every setting once: its name,
 * kind, range, default and help text. The options module reads the command
 * line, the file's lines and --help from that table, so they can never
 * disagree; this file reads what the table cannot say (addresses, backends,
 * the file itself).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config_options.h"
#include "file.h"
#include "parse.h"

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

/* A file's settings lie under the command line's, wherever -c stands. */
static int apply_config_file(struct config *cfg, const char *path, char *err,
                             size_t errlen)
{
    int rc = config_load_file(cfg, path, err, errlen);

    cfg->config_file = path;
    cfg->applying = CONFIG_FROM_CLI;
    return rc;
}

/* --control PATH: a UNIX socket's path must fit in sun_path. */
static int apply_control(struct config *cfg, const char *path, char *err,
                         size_t errlen)
{
    if (path[0] == '\0' || strlen(path) >= sizeof(cfg->control_path)) {
        snprintf(err, errlen, "'%s': must be a path of 1 to %zu bytes", path,
                 sizeof(cfg->control_path) - 1);
        return -1;
    }
    strcpy(cfg->control_path, path);
    return 0;
}

int config_apply(void *store, const struct options_spec *spec,
                 const char *value, char *err, size_t errlen)
{
    struct config *cfg = store;

    if (strcmp(spec->name, "backend") == 0)
        return apply_backend(cfg, value, err, errlen);
    if (strcmp(spec->name, "config") == 0)
        return apply_config_file(cfg, value, err, errlen);
    if (strcmp(spec->name, "control") == 0)
        return apply_control(cfg, value, err, errlen);
    if (strcmp(spec->name, "stats") == 0) {
        cfg->stats_enabled = true;
        return net_parse_hostport(value, "127.0.0.1", &cfg->stats, err,
                                  errlen);
    }
    return net_parse_hostport(value, "127.0.0.1", &cfg->listen, err, errlen);
}

void config_defaults(struct config *cfg)
{
    char err[CONFIG_ERR_MAX];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    memset(cfg, 0, sizeof(*cfg));
    options_defaults(&config_options, cfg, config_apply);
    config_add_backend(cfg, "b1=127.0.0.1:9090", err, sizeof(err));
    config_add_backend(cfg, "b2=127.0.0.1:9091", err, sizeof(err));
    cfg->threads = cpus < 1 ? 1 : cpus > 256 ? 256 : (int)cpus;
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

/* Applies one ",key=value" setting of a backend. Bit i of *seen is set once
 * config_backend_options' row i was given (config_backend_proxy_options'
 * rows follow), as a second one would override it unseen. */
static int backend_setting(struct balancer_backend_spec *spec, char *item,
                           unsigned *seen, char *err, size_t errlen)
{
    char *eq = strchr(item, '=');
    const struct options_spec *row;
    unsigned bit;

    const struct options_table *table = &config_backend_options;

    if (eq != NULL)
        *eq = '\0';
    row = options_find(table, item);
    if (row == NULL) {
        table = &config_backend_proxy_options;
        row = options_find(table, item);
    }
    if (eq == NULL || row == NULL) {
        snprintf(err, errlen, "setting '%s' must be weight=W, maxconn=M or "
                 "slowstart=MS", item);
        return -1;
    }
    bit = 1u << (row - table->specs);
    if (table != &config_backend_options)
        bit <<= config_backend_options.count;
    if (*seen & bit) {
        snprintf(err, errlen, "setting %s is given twice", item);
        return -1;
    }
    *seen |= bit;
    return options_set(table, spec, NULL, item, eq + 1, err, errlen);
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
    struct balancer_backend_spec spec;
    char copy[512], *save = NULL, *item;
    const char *rest;
    unsigned seen = 0;

    memset(&spec, 0, sizeof(spec));
    options_defaults(&config_backend_options, &spec, NULL);
    spec.slowstart_ms = -1;     /* --slowstart's */
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
    /* strsep, not strtok: an empty field between commas is a mistake. */
    save = copy;
    item = strsep(&save, ",");
    if (item[0] == '\0' ||
        net_parse_hostport(item, "127.0.0.1", &spec.addr, err, errlen) == -1) {
        if (item[0] == '\0')
            snprintf(err, errlen, "backend '%s' has no address", text);
        return -1;
    }
    if (net_addr_port(&spec.addr) == 0) {
        snprintf(err, errlen, "backend '%s': port 0 cannot be connected to",
                 text);
        return -1;
    }
    while ((item = strsep(&save, ",")) != NULL) {
        if (item[0] == '\0') {
            snprintf(err, errlen, "backend '%s' has an empty setting", text);
            return -1;
        }
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
 * config_options' row i (0: none yet): a second line would override it
 * unseen. Only "backend" repeats, one line per backend. */
static int apply_file_line(struct config *cfg, char *line, int lineno,
                           int set_on[OPTIONS_MAX], char *err, size_t errlen)
{
    char *name, *value;
    const struct options_spec *spec;
    int kind = split_line(line, &name, &value);

    if (kind == 0)
        return 0;
    if (kind == -1) {
        snprintf(err, errlen, "'%.100s' needs a value (\"name value\")", name);
        return -1;
    }
    spec = options_find(&config_options, name);
    if (spec != NULL && !(spec->flags & OPTIONS_REPEATS)) {
        size_t index = (size_t)(spec - config_options.specs);

        if (set_on[index] != 0) {
            snprintf(err, errlen, "%s is already set on line %d", spec->name,
                     set_on[index]);
            return -1;
        }
        set_on[index] = lineno;
    }
    return options_set(&config_options, cfg, config_apply, name, value, err,
                       errlen);
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
    const char *kind;
    /* A FIFO there would hold a reload (and the stop after it) forever. */
    FILE *file = file_open_regular(path, &kind);
    int lineno = 0, rc = 0, len, set_on[OPTIONS_MAX] = { 0 };

    if (file == NULL) {
        snprintf(err, errlen, "cannot read config '%s': %s", path,
                 kind != NULL ? kind : strerror(errno));
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

enum config_result config_parse(struct config *cfg, int argc, char **argv,
                                FILE *out, char *err, size_t errlen)
{
    int rc;

    cfg->applying = CONFIG_FROM_CLI;
    rc = options_parse(&config_options, cfg, config_apply, argc, argv, out,
                       err, errlen);
    if (rc == OPTIONS_EXIT)
        return CONFIG_EXIT;
    return rc == -1 ? CONFIG_ERROR : CONFIG_RUN;
}
