/*
 * report: the verdicts for a terminal (report_text) and as TAP
 * (report_tap); the file formats live in report_junit.c,
 * report_gradescope.c and report_html.c, all declared in report.h.
 *
 * report_text lays a scenario out as
 *
 *   scenarios/two_backends.scn — two equal backends, one burst
 *     PASS  leastconn          all 500 picks chose a least-loaded backend
 *     FAIL  share b1=50%±10%   b1 served 62.0% of 500 sessions; expected
 *                              40%..60%
 *     backend   conns   share  peak  fails
 *     b1          310   62.0%    12      0
 *     FAIL: 1 of 2 expectations failed (1.8 s)
 *
 * with reasons wrapped at REPORT_TEXT_WIDTH columns and cut after
 * REPORT_TEXT_MAX_LINES lines. Reads only; single-threaded.
 */
#include "report.h"

#include <stdbool.h>
#include <string.h>

#include "report_escape.h"
#include "report_label.h"

#define REPORT_TEXT_WIDTH 100       /* columns a line aims to fit in */
#define REPORT_TEXT_MAX_LINES 6     /* per reason */
#define REPORT_TEXT_NAME_COLUMN 24  /* widest expectation column */
#define REPORT_TEXT_MIN_REASON 24   /* narrowest reason column */

#define ANSI_GREEN "\033[32m"
#define ANSI_RED "\033[31m"
#define ANSI_RESET "\033[0m"

/* Where a reason is being written: its lines and what is left of them. */
struct wrapper {
    FILE *out;
    size_t indent;              /* columns before a continuation line */
    size_t width;               /* columns of text on this line */
    size_t next_width;          /* ... and on each continuation line */
    size_t used;                /* of the current line */
    int lines;                  /* started so far */
};

bool report_passed(const struct report_result *result)
{
    return !result->aborted && result->scenario != NULL &&
           report_label_failures(result) == 0;
}

static void put_status(FILE *out, const char *status, bool ok, bool color)
{
    if (color)
        fprintf(out, "%s%s%s", ok ? ANSI_GREEN : ANSI_RED, status,
                ANSI_RESET);
    else
        fputs(status, out);
}

/* Starts the next line, or says "..." and returns false when the reason
 * has used all its lines. */
static bool wrapper_break(struct wrapper *w)
{
    if (w->lines == REPORT_TEXT_MAX_LINES) {
        fputs(" ...", w->out);
        return false;
    }
    fprintf(w->out, "\n%*s", (int)w->indent, "");
    w->lines++;
    w->used = 0;
    w->width = w->next_width;
    return true;
}

static bool is_gap(char c)
{
    return c != '\0' && (unsigned char)c <= ' ';
}

/* Writes the word at word (up to the next gap), moving to a new line
 * first when it does not fit and cutting it when no line could hold it.
 * Returns the end of the word, or NULL once the lines ran out. */
static const char *wrapper_word(struct wrapper *w, const char *word)
{
    const char *end = word;
    size_t width = 0;

    while (*end != '\0' && !is_gap(*end)) {
        size_t len = report_escape_utf8_len(end);

        end += len > 0 ? len : 1;
        width++;
    }
    if (w->used > 0 && w->used + 1 + width > w->width && !wrapper_break(w))
        return NULL;
    if (w->used > 0) {
        fputc(' ', w->out);
        w->used++;
    }
    while (word < end) {
        if (w->used == w->width && !wrapper_break(w))
            return NULL;
        word += report_escape_put_char(w->out, word);
        w->used++;
    }
    return end;
}

/* Writes text from the current column (first_width columns left on this
 * line), continuing at column indent; a newline in text starts a line. */
static void put_wrapped(FILE *out, const char *text, size_t first_width,
                        size_t indent)
{
    size_t rest = REPORT_TEXT_WIDTH > indent + REPORT_TEXT_MIN_REASON
                      ? REPORT_TEXT_WIDTH - indent
                      : REPORT_TEXT_MIN_REASON;
    struct wrapper w = { out, indent, first_width, rest, 0, 1 };

    while (text != NULL && *text != '\0') {
        if (*text == '\n' && w.used > 0) {
            if (!wrapper_break(&w))
                break;
        }
        if (is_gap(*text)) {
            text++;
            continue;
        }
        text = wrapper_word(&w, text);
    }
    fputc('\n', out);
}

/* The width of the expectation column: the longest name, capped. */
static size_t name_column(const struct report_result *result)
{
    size_t count = report_label_count(result);
    size_t column = 0;
    char name[REPORT_LABEL_MAX];

    for (size_t i = 0; i < count; i++) {
        size_t width = report_escape_width(
            report_label_expect(&result->scenario->expects[i], name,
                                sizeof(name)));

        if (width > column)
            column = width;
    }
    return column > REPORT_TEXT_NAME_COLUMN ? REPORT_TEXT_NAME_COLUMN
                                            : column;
}

/* "  PASS  name   reason", the reason wrapped under itself. */
static void text_verdict(FILE *out, const struct report_result *result,
                         size_t i, size_t column, bool color)
{
    const struct check_verdict *verdict = &result->verdicts[i];
    char name[REPORT_LABEL_MAX];
    size_t width, start, indent = 2 + 4 + 2 + column + 2;

    report_label_expect(&result->scenario->expects[i], name, sizeof(name));
    width = report_escape_width(name);
    fputs("  ", out);
    put_status(out, verdict->skipped ? "SKIP" : verdict->ok ? "PASS" : "FAIL",
               verdict->ok, color);
    fprintf(out, "  %s%*s  ", name,
            width < column ? (int)(column - width) : 0, "");
    /* A name wider than the column pushes this line's reason right. */
    start = 2 + 4 + 2 + (width > column ? width : column) + 2;
    put_wrapped(out, verdict->reason,
                start + REPORT_TEXT_MIN_REASON < REPORT_TEXT_WIDTH
                    ? REPORT_TEXT_WIDTH - start
                    : REPORT_TEXT_MIN_REASON,
                indent);
}

static void text_backends(FILE *out, const struct report_result *result)
{
    const struct scenario *scenario = result->scenario;
    size_t count = scenario->backend_count;
    int name_width = 7;

    if (count > SCENARIO_MAX_BACKENDS)
        count = SCENARIO_MAX_BACKENDS;
    if (count == 0)
        return;
    for (size_t i = 0; i < count; i++) {
        int len = (int)strlen(scenario->backends[i].name);

        if (len > name_width)
            name_width = len;
    }
    fprintf(out, "  %-*s   conns   share  peak  fails\n", name_width,
            "backend");
    for (size_t i = 0; i < count; i++) {
        const struct check_backend_row *row = &result->rows[i];

        fprintf(out, "  %-*s %7ld %6.1f%% %5d %6ld\n", name_width,
                scenario->backends[i].name, row->connections,
                row->share_pct, row->peak_active, row->failures);
    }
}

static void text_summary(FILE *out, const struct report_result *result,
                         bool color)
{
    char summary[128];
    bool passed = report_passed(result);

    fputs("  ", out);
    put_status(out, passed ? "PASS" : "FAIL", passed, color);
    fprintf(out, ": %s (%.1f s)\n",
            report_label_summary(result, summary, sizeof(summary)),
            result->duration_s);
}

/* The chaos plan, "  chaos plan (seed 5): 0.62s crash b2, ...". */
static void text_chaos(FILE *out, const struct scenario *scenario)
{
    char plan[SCENARIO_MAX_EVENTS * 48], head[64];
    size_t used = 0;

    if (scenario->chaos.line == 0)
        return;
    plan[0] = '\0';
    for (size_t i = scenario->chaos_first; i < scenario->event_count; i++) {
        const struct scenario_event *ev = &scenario->events[i];
        int n = snprintf(plan + used, sizeof(plan) - used, "%s%.2fs %s %s%s%s",
                         used > 0 ? ", " : "", (double)ev->at_ms / 1000.0,
                         scenario_action_name(ev->action),
                         scenario->backends[ev->backend].name,
                         ev->kind[0] != '\0' ? " " : "", ev->kind);

        if (n < 0 || (size_t)n >= sizeof(plan) - used)
            break;
        used += (size_t)n;
    }
    snprintf(head, sizeof(head), "  chaos plan (seed %lu): ",
             scenario->chaos.seed);
    fputs(head, out);
    put_wrapped(out, used > 0 ? plan : "no fault", REPORT_TEXT_WIDTH -
                strlen(head), strlen(head));
}

void report_text(FILE *out, const struct report_result *result, bool color)
{
    const struct scenario *scenario = result->scenario;
    size_t count = report_label_count(result);
    size_t column = name_column(result);

    fputs(report_label_scenario(result), out);
    if (scenario != NULL && scenario->description[0] != '\0')
        fprintf(out, " \u2014 %s", scenario->description);
    fputc('\n', out);
    if (result->aborted || scenario == NULL) {
        const char *status = result->unjudged ? "NOT JUDGED" : "ABORTED";
        size_t indent = 2 + strlen(status) + 2;

        fputs("  ", out);
        put_status(out, status, false, color);
        fputs("  ", out);
        put_wrapped(out, result->error[0] != '\0' ? result->error
                                                   : "(no reason given)",
                    REPORT_TEXT_WIDTH - indent, indent);
    }
    for (size_t i = 0; i < count; i++)
        text_verdict(out, result, i, column, color);
    if (!result->aborted && scenario != NULL)
        text_backends(out, result);
    if (scenario != NULL)
        text_chaos(out, scenario);
    text_summary(out, result, color);
    if (result->kept_dir[0] != '\0')
        fprintf(out, "  logs kept in %s/\n", result->kept_dir);
}

/* A TAP description may hold neither a newline nor an unescaped '#'
 * (which would start a directive). */
static void tap_description(FILE *out, const char *text)
{
    while (*text != '\0') {
        if (*text == '#' || *text == '\\') {
            fputc('\\', out);
            fputc(*text, out);
            text++;
        } else {
            text += report_escape_put_char(out, text);
        }
    }
}

static void tap_point(FILE *out, size_t number, bool ok,
                      const struct report_result *result, const char *name,
                      bool skipped)
{
    fprintf(out, "%sok %zu - ", ok ? "" : "not ", number);
    tap_description(out, report_label_scenario(result));
    fputs(" : ", out);
    tap_description(out, name);
    if (skipped)
        fputs(" # SKIP", out);
    fputc('\n', out);
}

/* The YAML diagnostic block under a "not ok". */
static void tap_diagnostic(FILE *out, const struct report_result *result,
                           const char *message, int line)
{
    fputs("  ---\n  message: ", out);
    report_escape_json(out, message);
    fputs("\n  severity: fail\n  file: ", out);
    report_escape_json(out, report_label_scenario(result));
    if (line > 0)
        fprintf(out, "\n  line: %d", line);
    fputs("\n  ...\n", out);
}

/* Writes one scenario's test points, numbered from *number on. */
static void tap_scenario(FILE *out, const struct report_result *result,
                         size_t *number)
{
    size_t count = report_label_count(result);
    char name[REPORT_LABEL_MAX];

    if (result->kept_dir[0] != '\0') {
        fputs("# logs kept in ", out);
        tap_description(out, result->kept_dir);
        fputs("/\n", out);
    }
    if (result->aborted || result->scenario == NULL) {
        tap_point(out, ++*number, false, result,
                  result->unjudged ? "not judged" : "aborted", false);
        tap_diagnostic(out, result, result->error, 0);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const struct scenario_expect *e = &result->scenario->expects[i];
        const struct check_verdict *verdict = &result->verdicts[i];

        tap_point(out, ++*number, verdict->ok, result,
                  report_label_expect(e, name, sizeof(name)),
                  verdict->skipped);
        if (!verdict->ok)
            tap_diagnostic(out, result, verdict->reason, e->line);
    }
}

void report_tap(FILE *out, const struct report_result *results,
                size_t count)
{
    size_t plan = 0, number = 0;

    for (size_t i = 0; i < count; i++) {
        const struct report_result *result = &results[i];

        plan += result->aborted || result->scenario == NULL
                    ? 1
                    : report_label_count(result);
    }
    fprintf(out, "TAP version 13\n1..%zu\n", plan);
    for (size_t i = 0; i < count; i++)
        tap_scenario(out, &results[i], &number);
}
