/*
 * trace: a log file parsed into events, for the checks to read.
 *
 * Every line of a logfmt log (proxy, backend, client or the harness' own
 * timeline) becomes a struct trace_event with its pairs. Lines that are not
 * logfmt, or lack ts/ev, are counted in bad_lines and skipped (a sanitizer
 * report in a log, say). Events keep file order.
 *
 * A trace owns its memory; trace_free releases it. Single-threaded.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "logfmt.h"

#define TRACE_MAX_PAIRS 32

struct trace_event {
    double ts;                  /* the ts key */
    const char *ev;             /* the ev key */
    int line;                   /* 1-based line number in the file */
    int count;                  /* pairs[0..count) */
    struct logfmt_pair *pairs;  /* point into the trace's own text */
};

struct trace {
    char path[256];
    struct trace_event *events;
    size_t count;
    size_t bad_lines;
    char *text;                 /* the file's bytes, parsed in place */
    struct logfmt_pair *pair_store;
};

/* Makes an empty trace (nothing to free). */
void trace_init(struct trace *trace);

/*
 * Reads and parses path. A missing file gives an empty trace and returns
 * -1 with errno; the trace is still valid (and must be freed) either way.
 */
int trace_load(struct trace *trace, const char *path);

/* Parses text held in memory (copied); name is used as the path. */
int trace_load_text(struct trace *trace, const char *name, const char *text);

void trace_free(struct trace *trace);

/* The value of key in ev, or NULL. */
const char *trace_get(const struct trace_event *ev, const char *key);

/* The value of key as an integer, or fallback when absent or not a number. */
long long trace_get_int(const struct trace_event *ev, const char *key,
                        long long fallback);

/* True when ev's event name is name. */
bool trace_is(const struct trace_event *ev, const char *name);

#endif
