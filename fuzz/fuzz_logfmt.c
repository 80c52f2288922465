/*
 * fuzz_logfmt: libFuzzer target for the log-line parser, logfmt_parse
 * (common/logfmt.h), and for trace_load_text (harness_src/trace.h), which
 * reads whole logs with it.
 *
 * An input is read twice: as a log (every line an event, or a bad line)
 * and as one line. Besides the sanitizers, the target checks a round trip:
 * writing the parsed pairs back as KEY=logfmt_quote(VALUE) and parsing
 * that line gives the same keys and values. It also quotes every value
 * into buffers too small for it, which must be cut, never overrun. The
 * seeds are lines of real proxy_server, dummy_server and simulate_client
 * logs.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "logfmt.h"
#include "trace.h"

#define REQUIRE FUZZ_SUPPORT_REQUIRE
#define FUZZ_LOGFMT_MAX_PAIRS 32

/* The events of a log must be well formed and in line order. */
static void fuzz_trace(const char *text)
{
    struct trace trace;
    int last_line = 0;

    if (trace_load_text(&trace, "fuzz.log", text) == 0) {
        for (size_t i = 0; i < trace.count; i++) {
            const struct trace_event *ev = &trace.events[i];

            REQUIRE(ev->count >= 1 && ev->count <= TRACE_MAX_PAIRS);
            REQUIRE(ev->line > last_line);
            REQUIRE(ev->ev != NULL && trace_is(ev, trace_get(ev, "ev")));
            last_line = ev->line;
            (void)trace_get_int(ev, "sid", -1);
        }
    }
    trace_free(&trace);
}

/* Quoting into a buffer of exactly size bytes writes inside it and, when
 * it uses it, leaves a quoted, NUL-terminated string. */
static void check_quote_cut(const char *value, size_t size)
{
    char *buf = malloc(size > 0 ? size : 1);
    const char *quoted;

    if (buf == NULL)
        abort();
    quoted = logfmt_quote(value, buf, size);
    if (quoted == buf) {
        size_t len = strnlen(buf, size);

        REQUIRE(size >= 3 && len < size && len >= 2);
        REQUIRE(buf[0] == '"' && buf[len - 1] == '"');
    } else {
        REQUIRE(quoted == value);
    }
    free(buf);
}

/* Appends KEY=QUOTED to line (room for it was counted by the caller). */
static size_t append_pair(char *line, size_t used,
                          const struct logfmt_pair *pair)
{
    size_t size = 2 * strlen(pair->value) + 3;
    char *buf = malloc(size);
    const char *quoted;
    int n;

    if (buf == NULL)
        abort();
    quoted = logfmt_quote(pair->value, buf, size);
    n = sprintf(line + used, "%s%s=%s", used > 0 ? " " : "", pair->key,
                quoted);
    free(buf);
    return used + (size_t)n;
}

/* Writes pairs[0..count) back as a line and parses it again. */
static void check_round_trip(const struct logfmt_pair *pairs, int count)
{
    struct logfmt_pair again[FUZZ_LOGFMT_MAX_PAIRS];
    size_t room = 1, used = 0;
    char *line;

    for (int i = 0; i < count; i++)
        room += strlen(pairs[i].key) + 2 * strlen(pairs[i].value) + 5;
    line = malloc(room);
    if (line == NULL)
        abort();
    line[0] = '\0';
    for (int i = 0; i < count; i++)
        used = append_pair(line, used, &pairs[i]);
    REQUIRE(logfmt_parse(line, again, FUZZ_LOGFMT_MAX_PAIRS) == count);
    for (int i = 0; i < count; i++) {
        REQUIRE(strcmp(again[i].key, pairs[i].key) == 0);
        REQUIRE(strcmp(again[i].value, pairs[i].value) == 0);
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct logfmt_pair pairs[FUZZ_LOGFMT_MAX_PAIRS];
    char *text = fuzz_support_text(data, size);
    int count;

    fuzz_trace(text);
    count = logfmt_parse(text, pairs, FUZZ_LOGFMT_MAX_PAIRS);
    REQUIRE(count >= -1 && count <= FUZZ_LOGFMT_MAX_PAIRS);
    if (count > 0) {
        for (int i = 0; i < count; i++) {
            check_quote_cut(pairs[i].value, strlen(pairs[i].value) / 2 + 2);
            check_quote_cut(pairs[i].value, 2);
        }
        check_round_trip(pairs, count);
    }
    free(text);
    return 0;
}
