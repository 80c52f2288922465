/*
 * trace: load a logfmt log into an array of events. See trace.h.
 *
 * The file is read whole into one buffer and parsed in place, so an event's
 * strings point into that buffer and a trace is two allocations plus the
 * event and pair arrays, whatever its size.
 */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void trace_init(struct trace *trace)
{
    memset(trace, 0, sizeof(*trace));
}

void trace_free(struct trace *trace)
{
    free(trace->events);
    free(trace->pair_store);
    free(trace->text);
    trace_init(trace);
}

static size_t count_lines(const char *text)
{
    size_t lines = 1;

    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

/* Parses one line into the next free event; returns false if it is not an
 * event (not logfmt, or no ts/ev). */
static bool parse_line(struct trace *trace, char *line, int lineno)
{
    struct logfmt_pair *pairs = trace->pair_store +
                                trace->count * TRACE_MAX_PAIRS;
    struct trace_event *ev = &trace->events[trace->count];
    int count = logfmt_parse(line, pairs, TRACE_MAX_PAIRS);
    const char *ts, *name;
    char *end;

    if (count <= 0)
        return false;
    ts = logfmt_get(pairs, count, "ts");
    name = logfmt_get(pairs, count, "ev");
    if (ts == NULL || name == NULL)
        return false;
    ev->ts = strtod(ts, &end);
    if (end == ts || *end != '\0')
        return false;
    ev->ev = name;
    ev->line = lineno;
    ev->count = count;
    ev->pairs = pairs;
    trace->count++;
    return true;
}

/* Parses trace->text, which the trace owns. */
static int parse_all(struct trace *trace)
{
    size_t lines = count_lines(trace->text);
    char *line = trace->text;
    int lineno = 0;

    trace->events = calloc(lines, sizeof(*trace->events));
    trace->pair_store = calloc(lines * TRACE_MAX_PAIRS,
                               sizeof(*trace->pair_store));
    if (trace->events == NULL || trace->pair_store == NULL)
        return -1;
    while (line != NULL && *line != '\0') {
        char *next = strchr(line, '\n');

        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (*line != '\0' && !parse_line(trace, line, lineno))
            trace->bad_lines++;
        line = next;
    }
    return 0;
}

int trace_load_text(struct trace *trace, const char *name, const char *text)
{
    trace_init(trace);
    snprintf(trace->path, sizeof(trace->path), "%s", name);
    trace->text = strdup(text);
    if (trace->text == NULL)
        return -1;
    return parse_all(trace);
}

/* Reads a whole file into a NUL-terminated buffer. */
static char *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;

    if (file == NULL)
        return NULL;
    do {
        if (cap - len < 65536) {
            char *bigger = realloc(text, cap = cap * 2 + 65536);

            if (bigger == NULL) {
                free(text);
                fclose(file);
                errno = ENOMEM;
                return NULL;
            }
            text = bigger;
        }
        n = fread(text + len, 1, cap - len - 1, file);
        len += n;
    } while (n > 0);
    fclose(file);
    text[len] = '\0';
    /* A NUL byte inside a log ends it: nothing after it is text. */
    return text;
}

int trace_load(struct trace *trace, const char *path)
{
    trace_init(trace);
    snprintf(trace->path, sizeof(trace->path), "%s", path);
    trace->text = read_file(path);
    if (trace->text == NULL)
        return -1;
    return parse_all(trace);
}

const char *trace_get(const struct trace_event *ev, const char *key)
{
    return logfmt_get(ev->pairs, ev->count, key);
}

long long trace_get_int(const struct trace_event *ev, const char *key,
                        long long fallback)
{
    const char *value = trace_get(ev, key);
    char *end;
    long long number;

    if (value == NULL || *value == '\0')
        return fallback;
    errno = 0;
    number = strtoll(value, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return fallback;
    return number;
}

bool trace_is(const struct trace_event *ev, const char *name)
{
    return strcmp(ev->ev, name) == 0;
}
