/*
 * test_report: the harness' reports, from results built by hand (no
 * scenario parser, no run) and outcomes loaded from literal logs.
 *
 * report_text is read back line by line (PASS/FAIL per expectation, the
 * backend table, the summary, colour only on the verdict words, wrapping
 * and cutting of long reasons, an aborted run); report_tap's plan, test
 * points and YAML blocks; report_junit's counts, escaping and
 * well-formedness (a small checker below); report_gradescope's scores and
 * JSON (a small parser below); report_html's page, SVG lines and fault
 * labels. The timeline replay is checked point by point (seq order beats
 * file order, times never go back, down spans, faults) and on a long run
 * that must be thinned without losing its peak. File writers must fail
 * with errno on paths they cannot write.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count_of.h"
#include "outcome.h"
#include "report.h"
#include "report_escape.h"
#include "report_timeline.h"
#include "testlib.h"
#include "trace.h"

#define TEXT_WIDTH 100              /* what report_text promises to fit */
/* Where the fixture's reasons start: "  PASS  " and the widest name,
 * "(expect-fail) leastconn", and two spaces. */
#define REASON_INDENT "        " "                       " "  "

/* A scenario, its result and a scratch directory, all freed by
 * fixture_free. */
struct fixture {
    struct scenario *scenario;
    struct report_result *result;
    char dir[64];
};

static void add_backend(struct scenario *s, const char *name)
{
    snprintf(s->backends[s->backend_count++].name, SCENARIO_NAME_MAX, "%s",
             name);
}

/* Adds an expectation with its verdict. */
static void add_expect(struct fixture *f, const char *text, int points,
                       bool ok, const char *reason)
{
    struct scenario *s = f->scenario;
    struct scenario_expect *e = &s->expects[s->expect_count];
    struct check_verdict *v = &f->result->verdicts[s->expect_count];

    e->line = 10 + (int)s->expect_count;
    e->points = points;
    snprintf(e->text, sizeof(e->text), "%s", text);
    v->passed = ok;
    v->ok = ok;
    snprintf(v->reason, sizeof(v->reason), "%s", reason);
    s->expect_count++;
    f->result->verdict_count = s->expect_count;
}

/* two_backends.scn: b1 and b2, three expectations, one failed. */
static void fixture_make(struct fixture *f, const char *path)
{
    f->scenario = calloc(1, sizeof(*f->scenario));
    f->result = calloc(1, sizeof(*f->result));
    CU_ASSERT_FATAL(f->scenario != NULL && f->result != NULL);
    snprintf(f->scenario->path, sizeof(f->scenario->path), "%s", path);
    snprintf(f->scenario->description, sizeof(f->scenario->description),
             "two equal backends, one burst");
    add_backend(f->scenario, "b1");
    add_backend(f->scenario, "b2");
    f->result->scenario = f->scenario;
    f->result->duration_s = 1.84;
    add_expect(f, "leastconn", 2, true,
               "all 500 picks chose a least-loaded backend");
    add_expect(f, "share b1=50%\u00b110%", 3, false,
               "b1 served 62.0% of 500 sessions; expected 40%..60%");
    add_expect(f, "leastconn", 0, true,
               "failed as expected: pick 17 chose b2");
    f->scenario->expects[2].expect_fail = true;
    f->result->verdicts[2].passed = false;
    f->result->rows[0] = (struct check_backend_row){ 310, 62.0, 12, 0, 310 };
    f->result->rows[1] = (struct check_backend_row){ 190, 38.0, 9, 4, 194 };
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_report.XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
}

/* Removes the files the tests put in the scratch directory, and it. */
static void fixture_free(struct fixture *f)
{
    static const char *const names[] = {
        "out.xml", "out.json", "html/two.html", "html/scenario.html",
        "html/empty.html", "html/big.html", "html", "file",
    };
    char path[128];

    for (size_t i = 0; i < COUNT_OF(names); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
        remove(path);
    }
    CU_ASSERT(rmdir(f->dir) == 0);
    free(f->scenario);
    free(f->result);
}

/* Runs report_text into a string (to be freed). */
static char *text_of(const struct report_result *result, bool color)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_FATAL(out != NULL);
    report_text(out, result, color);
    fclose(out);
    return text;
}

static char *tap_of(const struct report_result *results, size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_FATAL(out != NULL);
    report_tap(out, results, count);
    fclose(out);
    return text;
}

static char *read_all(const char *path)
{
    FILE *in = fopen(path, "rb");
    char *text;
    long size;

    if (in == NULL)
        return NULL;
    fseek(in, 0, SEEK_END);
    size = ftell(in);
    rewind(in);
    text = calloc(1, (size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, in) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(in);
    return text;
}

/* True when text has a line that is exactly line. */
static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);

    for (const char *p = text; p != NULL; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == 0))
            return true;
    }
    return false;
}

static int count_of(const char *text, const char *needle)
{
    int count = 0;

    for (const char *p = strstr(text, needle); p != NULL;
         p = strstr(p + 1, needle))
        count++;
    return count;
}

static void test_text_lines(void)
{
    struct fixture f;
    char *text;

    fixture_make(&f, "scenarios/two.scn");
    text = text_of(f.result, false);
    CU_ASSERT(has_line(text, "scenarios/two.scn \u2014 two equal backends, "
                             "one burst"));
    CU_ASSERT(has_line(text, "  PASS  leastconn                "
                             "all 500 picks chose a least-loaded backend"));
    CU_ASSERT(has_line(text, "  FAIL  share b1=50%\u00b110%         b1 "
                             "served 62.0% of 500 sessions; expected "
                             "40%..60%"));
    CU_ASSERT(has_line(text, "  PASS  (expect-fail) leastconn  failed as "
                             "expected: pick 17 chose b2"));
    CU_ASSERT(has_line(text, "  backend   conns   share  peak  fails"));
    CU_ASSERT(has_line(text, "  b1          310   62.0%    12      0"));
    CU_ASSERT(has_line(text, "  b2          190   38.0%     9      4"));
    CU_ASSERT(has_line(text, "  FAIL: 1 of 3 expectations failed (1.8 s)"));
    CU_ASSERT(strchr(text, '\033') == NULL);
    free(text);
    fixture_free(&f);
}

static void test_text_color(void)
{
    struct fixture f;
    char *text;

    fixture_make(&f, "scenarios/two.scn");
    text = text_of(f.result, true);
    CU_ASSERT(strstr(text, "  \033[32mPASS\033[0m  leastconn") != NULL);
    CU_ASSERT(strstr(text, "  \033[31mFAIL\033[0m  share") != NULL);
    CU_ASSERT(strstr(text, "  \033[31mFAIL\033[0m: 1 of 3") != NULL);
    /* Only the verdict words: three verdicts and the summary. */
    CU_ASSERT_EQUAL(count_of(text, "\033[0m"), 4);
    free(text);
    fixture_free(&f);
}

/* Every line of text fits in TEXT_WIDTH columns; returns the line count. */
static int check_widths(const char *text)
{
    int lines = 0;

    while (*text != '\0') {
        const char *end = strchr(text, '\n');
        size_t len = end != NULL ? (size_t)(end - text) : strlen(text);
        char line[512];

        snprintf(line, sizeof(line), "%.*s", (int)len, text);
        CU_ASSERT(report_escape_width(line) <= TEXT_WIDTH + 4);
        lines++;
        text += len + (end != NULL);
    }
    return lines;
}

static void test_text_wraps_and_cuts(void)
{
    struct fixture f;
    char reason[CHECK_REASON_MAX], *text;

    fixture_make(&f, "scenarios/two.scn");
    reason[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(reason, "word\u00e9 ");     /* 40 words of 6 columns */
    snprintf(f.result->verdicts[0].reason, CHECK_REASON_MAX, "%s", reason);
    memset(f.result->verdicts[1].reason, 'Q', 300);  /* one long word */
    f.result->verdicts[1].reason[300] = '\0';
    text = text_of(f.result, false);
    check_widths(text);
    /* 280 columns in lines of 67: wrapped onto the reason column. */
    CU_ASSERT(strstr(text, "\n" REASON_INDENT "word\u00e9") != NULL);
    /* 300 Q's need 5 lines: all there, no cut. */
    CU_ASSERT_EQUAL(count_of(text, "Q"), 300);
    CU_ASSERT(strstr(text, " ...") == NULL);
    memset(f.result->verdicts[1].reason, 'Q', CHECK_REASON_MAX - 1);
    f.result->verdicts[1].reason[CHECK_REASON_MAX - 1] = '\0';
    free(text);
    text = text_of(f.result, false);
    CU_ASSERT(strstr(text, "Q ...\n") != NULL);
    CU_ASSERT_EQUAL(count_of(text, "Q"), 6 * 67);
    free(text);
    fixture_free(&f);
}

static void test_text_newlines_and_controls(void)
{
    struct fixture f;
    char *text;

    fixture_make(&f, "scenarios/two.scn");
    snprintf(f.result->verdicts[1].reason, CHECK_REASON_MAX,
             "first line\nsecond \033[2J line");
    text = text_of(f.result, false);
    CU_ASSERT(strstr(text, "first line\n") != NULL);
    CU_ASSERT(strstr(text, "first line\n" REASON_INDENT "second") != NULL);
    /* A control character from a log is not passed to the terminal. */
    CU_ASSERT(strchr(text, '\033') == NULL);
    free(text);
    fixture_free(&f);
}

/* Makes f a run without verdicts, aborted or not judged, for reason, and
 * asserts its text report: the line in place of the verdicts, the summary,
 * and neither an expectation nor the backend table. */
static void expect_text_without_verdicts(struct fixture *f, bool unjudged,
                                         const char *reason,
                                         const char *line,
                                         const char *summary)
{
    char *text;

    fixture_make(f, "scenarios/two.scn");
    f->result->aborted = true;
    f->result->unjudged = unjudged;
    snprintf(f->result->error, sizeof(f->result->error), "%s", reason);
    text = text_of(f->result, false);
    CU_ASSERT(has_line(text, line));
    CU_ASSERT(has_line(text, summary));
    CU_ASSERT(strstr(text, "backend   conns") == NULL);
    CU_ASSERT(strstr(text, "leastconn") == NULL);
    CU_ASSERT_FALSE(report_passed(f->result));
    free(text);
}

static void test_text_aborted(void)
{
    struct fixture f;

    expect_text_without_verdicts(&f, false, "proxy_server did not start: "
                                 "exit status 1", "  ABORTED  proxy_server "
                                 "did not start: exit status 1", "  FAIL: "
                                 "the run did not finish (1.8 s)");
    fixture_free(&f);
}

static void test_text_not_judged(void)
{
    struct fixture f;
    struct report_result results[1];
    char *text;

    expect_text_without_verdicts(&f, true, "proxy_server's log lost 12 "
                                 "lines", "  NOT JUDGED  proxy_server's log "
                                 "lost 12 lines", "  FAIL: the run could not "
                                 "be judged (1.8 s)");
    results[0] = *f.result;
    text = tap_of(results, 1);
    CU_ASSERT(has_line(text, "not ok 1 - scenarios/two.scn : not judged"));
    CU_ASSERT(strstr(text, "\nok ") == NULL);
    free(text);
    fixture_free(&f);
}

static void test_text_no_expectations(void)
{
    struct fixture f;
    char *text;

    fixture_make(&f, "scenarios/two.scn");
    f.scenario->expect_count = 0;
    f.result->verdict_count = 0;
    f.scenario->description[0] = '\0';
    text = text_of(f.result, false);
    CU_ASSERT(has_line(text, "scenarios/two.scn"));
    CU_ASSERT(has_line(text, "  PASS: no expectations (1.8 s)"));
    free(text);
    fixture_free(&f);
}

static void test_passed(void)
{
    struct fixture f;

    fixture_make(&f, "scenarios/two.scn");
    CU_ASSERT_FALSE(report_passed(f.result));
    f.result->verdicts[1].ok = true;
    CU_ASSERT_TRUE(report_passed(f.result));
    f.result->aborted = true;
    CU_ASSERT_FALSE(report_passed(f.result));
    f.result->aborted = false;
    f.result->verdict_count = 0;
    CU_ASSERT_TRUE(report_passed(f.result));
    fixture_free(&f);
}

static void test_tap(void)
{
    struct fixture f, g;
    struct report_result results[2];
    char *text;

    fixture_make(&f, "scenarios/two.scn");
    fixture_make(&g, "scenarios/#odd.scn");
    g.result->aborted = true;
    snprintf(g.result->error, sizeof(g.result->error), "timed out \"hard\"");
    results[0] = *f.result;
    results[1] = *g.result;
    text = tap_of(results, 2);
    CU_ASSERT(strncmp(text, "TAP version 13\n1..4\n", 20) == 0);
    CU_ASSERT(has_line(text, "ok 1 - scenarios/two.scn : leastconn"));
    CU_ASSERT(has_line(text, "not ok 2 - scenarios/two.scn : share "
                             "b1=50%\u00b110%"));
    CU_ASSERT(has_line(text, "  ---"));
    CU_ASSERT(has_line(text, "  message: \"b1 served 62.0% of 500 sessions; "
                             "expected 40%..60%\""));
    CU_ASSERT(has_line(text, "  line: 11"));
    CU_ASSERT(has_line(text, "ok 3 - scenarios/two.scn : (expect-fail) "
                             "leastconn"));
    CU_ASSERT(has_line(text, "not ok 4 - scenarios/\\#odd.scn : aborted"));
    CU_ASSERT(has_line(text, "  message: \"timed out \\\"hard\\\"\""));
    CU_ASSERT_EQUAL(count_of(text, "  ---\n"), 2);
    CU_ASSERT_EQUAL(count_of(text, "\n  ...\n"), 2);
    free(text);
    text = tap_of(results, 0);
    CU_ASSERT_STRING_EQUAL(text, "TAP version 13\n1..0\n");
    free(text);
    fixture_free(&f);
    fixture_free(&g);
}

/* Skips a quoted attribute value at *p, checking its entities. */
static bool xml_value(const char **p)
{
    char quote = **p;
    const char *q = *p + 1;

    for (; *q != quote; q++) {
        if (*q == '\0' || *q == '<' || (unsigned char)*q < 0x20)
            return false;
        if (*q == '&' && strncmp(q, "&amp;", 5) != 0 &&
            strncmp(q, "&lt;", 4) != 0 && strncmp(q, "&gt;", 4) != 0 &&
            strncmp(q, "&quot;", 6) != 0 && strncmp(q, "&#", 2) != 0)
            return false;
    }
    *p = q + 1;
    return true;
}

/* Reads the tag at *p ('<' ...) onto the stack; false when malformed. */
static bool xml_tag(const char **p, char stack[][32], int *depth)
{
    const char *q = *p + 1;
    bool closing = *q == '/';
    size_t len;

    q += closing;
    len = strcspn(q, " />");
    if (len == 0 || len >= 32 || *depth >= 16)
        return false;
    if (closing) {
        if (*depth == 0 || strncmp(stack[*depth - 1], q, len) != 0)
            return false;
        (*depth)--;
    } else {
        snprintf(stack[*depth], 32, "%.*s", (int)len, q);
        (*depth)++;
    }
    for (q += len; *q != '>';) {
        if (*q == '\0')
            return false;
        if (*q == '"' || *q == '\'') {
            if (!xml_value(&q))
                return false;
            continue;
        }
        if (*q == '/' && q[1] == '>')
            (*depth)--;
        q++;
    }
    *p = q + 1;
    return true;
}

/* Enough of XML for what report_junit writes: a declaration, nested
 * elements with quoted attributes, whitespace between them. */
static bool xml_well_formed(const char *doc)
{
    char stack[16][32];
    int depth = 0, roots = 0;
    const char *p = doc;

    if (strncmp(p, "<?xml ", 6) != 0 || (p = strstr(p, "?>\n")) == NULL)
        return false;
    for (p += 3; *p != '\0';) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p != '<' || !xml_tag(&p, stack, &depth))
            return false;
        roots += depth == 0;
    }
    return depth == 0 && roots == 1;
}

static void test_junit(void)
{
    struct fixture f, g;
    struct report_result results[2];
    char path[128], *xml;

    fixture_make(&f, "scenarios/two.scn");
    fixture_make(&g, "scenarios/<&\">.scn");
    snprintf(f.result->verdicts[1].reason, CHECK_REASON_MAX,
             "a<b & \"c\" 'd'\nnext\x01");
    g.scenario->expect_count = 0;
    g.result->verdict_count = 0;
    g.result->aborted = true;
    snprintf(g.result->error, sizeof(g.result->error), "no <port>");
    results[0] = *f.result;
    results[1] = *g.result;
    snprintf(path, sizeof(path), "%s/out.xml", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_junit(path, results, 2), 0);
    xml = read_all(path);
    CU_ASSERT_FATAL(xml != NULL);
    CU_ASSERT(xml_well_formed(xml));
    CU_ASSERT_EQUAL(count_of(xml, "<testcase "), 4);
    CU_ASSERT_EQUAL(count_of(xml, "<testsuite "), 2);
    CU_ASSERT(strstr(xml, "<testsuites name=\"harness\" tests=\"4\" "
                          "failures=\"1\" errors=\"1\"") != NULL);
    CU_ASSERT(strstr(xml, "<testsuite name=\"scenarios/two.scn\" tests=\"3\" "
                          "failures=\"1\" errors=\"0\" time=\"1.840\">")
              != NULL);
    CU_ASSERT(strstr(xml, "<failure message=\"a&lt;b &amp; &quot;c&quot; "
                          "&#39;d&#39;&#10;next\xEF\xBF\xBD\"/>") != NULL);
    CU_ASSERT(strstr(xml, "name=\"scenarios/&lt;&amp;&quot;&gt;.scn\"") !=
              NULL);
    CU_ASSERT(strstr(xml, "name=\"run\">\n      <error message=\"no "
                          "&lt;port&gt;\"/>") != NULL);
    free(xml);
    fixture_free(&f);
    fixture_free(&g);
}

static void test_junit_unwritable(void)
{
    struct fixture f;
    char path[128];

    fixture_make(&f, "scenarios/two.scn");
    snprintf(path, sizeof(path), "%s/missing/out.xml", f.dir);
    errno = 0;
    CU_ASSERT_EQUAL(report_junit(path, f.result, 1), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(report_gradescope(path, f.result, 1), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    /* A full disk shows at the close, not at the open. */
    if (access("/dev/full", W_OK) == 0) {
        CU_ASSERT_EQUAL(report_junit("/dev/full", f.result, 1), -1);
        CU_ASSERT_EQUAL(errno, ENOSPC);
    }
    fixture_free(&f);
}

/* A JSON parser that only says yes or no (RFC 8259, no depth limit
 * needed for these documents). */
static bool json_value(const char **p);

static void json_space(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
        (*p)++;
}

static bool json_string(const char **p)
{
    if (**p != '"')
        return false;
    for ((*p)++; **p != '"'; (*p)++) {
        if ((unsigned char)**p < 0x20)
            return false;
        if (**p == '\\') {
            (*p)++;
            if (**p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (!isxdigit((unsigned char)(*p)[i]))
                        return false;
                }
                *p += 4;
            } else if (strchr("\"\\/bfnrt", **p) == NULL || **p == '\0') {
                return false;
            }
        }
    }
    (*p)++;
    return true;
}

/* The members of an object or elements of an array, after the bracket. */
static bool json_items(const char **p, char close, bool keyed)
{
    json_space(p);
    if (**p == close) {
        (*p)++;
        return true;
    }
    for (;;) {
        json_space(p);
        if (keyed) {
            if (!json_string(p))
                return false;
            json_space(p);
            if (*(*p)++ != ':')
                return false;
        }
        if (!json_value(p))
            return false;
        json_space(p);
        if (**p == close) {
            (*p)++;
            return true;
        }
        if (*(*p)++ != ',')
            return false;
    }
}

static bool json_value(const char **p)
{
    char *end;

    json_space(p);
    if (**p == '{' || **p == '[') {
        char open = *(*p)++;

        return json_items(p, open == '{' ? '}' : ']', open == '{');
    }
    if (**p == '"')
        return json_string(p);
    if (strncmp(*p, "true", 4) == 0 || strncmp(*p, "null", 4) == 0) {
        *p += 4;
        return true;
    }
    if (strncmp(*p, "false", 5) == 0) {
        *p += 5;
        return true;
    }
    strtod(*p, &end);
    if (end == *p || !(isdigit((unsigned char)**p) || **p == '-'))
        return false;
    *p = end;
    return true;
}

static bool json_valid(const char *doc)
{
    const char *p = doc;

    if (!json_value(&p))
        return false;
    json_space(&p);
    return *p == '\0';
}

static void test_gradescope(void)
{
    struct fixture f, g;
    struct report_result results[2];
    char path[128], *json;

    fixture_make(&f, "scenarios/two.scn");
    fixture_make(&g, "scenarios/gone.scn");
    snprintf(f.result->verdicts[1].reason, CHECK_REASON_MAX,
             "say \"hi\"\nto C:\\path\tnow\x7f");
    g.result->aborted = true;
    snprintf(g.result->error, sizeof(g.result->error), "port in use");
    results[0] = *f.result;
    results[1] = *g.result;
    snprintf(path, sizeof(path), "%s/out.json", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_gradescope(path, results, 2), 0);
    json = read_all(path);
    CU_ASSERT_FATAL(json != NULL);
    CU_ASSERT(json_valid(json));
    /* 2 of 2 + 0 of 3 + 0 of 0, and nothing from the aborted run. */
    CU_ASSERT(strstr(json, "\n  \"score\": 2,\n") != NULL);
    CU_ASSERT_EQUAL(count_of(json, "{\"name\": "), 6);
    CU_ASSERT(strstr(json, "{\"name\": \"scenarios/two.scn: leastconn\", "
                           "\"score\": 2, \"max_score\": 2, \"status\": "
                           "\"passed\"") != NULL);
    CU_ASSERT(strstr(json, "\"score\": 0, \"max_score\": 3, \"status\": "
                           "\"failed\", \"output\": \"say \\\"hi\\\"\\nto "
                           "C:\\\\path\\tnow\\u007f\"}") != NULL);
    CU_ASSERT(strstr(json, "\"name\": \"scenarios/two.scn: (expect-fail) "
                           "leastconn\", \"score\": 0, \"max_score\": 0, "
                           "\"status\": \"passed\"") != NULL);
    CU_ASSERT_EQUAL(count_of(json, "\"output\": \"port in use\""), 3);
    CU_ASSERT(strstr(json, "\"output\": \"1 of 2 scenarios passed\"") ==
              NULL);
    CU_ASSERT(strstr(json, "\"output\": \"0 of 2 scenarios passed\"") !=
              NULL);
    free(json);
    fixture_free(&f);
    fixture_free(&g);
}

static void test_gradescope_empty(void)
{
    struct fixture f;
    char path[128], *json;

    fixture_make(&f, "scenarios/two.scn");
    snprintf(path, sizeof(path), "%s/out.json", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_gradescope(path, f.result, 0), 0);
    json = read_all(path);
    CU_ASSERT_FATAL(json != NULL);
    CU_ASSERT(json_valid(json));
    CU_ASSERT(strstr(json, "\"tests\": []") != NULL);
    CU_ASSERT(strstr(json, "\"score\": 0,") != NULL);
    free(json);
    /* A scenario without expectations adds no test. */
    f.scenario->expect_count = 0;
    f.result->verdict_count = 0;
    CU_ASSERT_EQUAL_FATAL(report_gradescope(path, f.result, 1), 0);
    json = read_all(path);
    CU_ASSERT_FATAL(json != NULL);
    CU_ASSERT(json_valid(json));
    CU_ASSERT(strstr(json, "\"tests\": []") != NULL);
    free(json);
    fixture_free(&f);
}

/*
 * b1 and b2 from t = 100 s. The pick with seq 2 reaches the log after seq
 * 3 and even after its own close (seq 8), and b1's connect_fail (seq 4)
 * carries an earlier ts than its pick. Lines without seq change nothing.
 */
static const char proxy_log[] =
    "ts=100.000000 lvl=info thr=main ev=start listen=127.0.0.1:1 pid=1\n"
    "ts=100.100000 lvl=info thr=w0 ev=pick sid=1 seq=1 be=b1 "
    "cand=\"b1:0/up b2:0/up\"\n"
    "ts=100.200000 lvl=info thr=w1 ev=pick sid=2 seq=3 be=b1 "
    "cand=\"b1:1/up b2:1/up\"\n"
    "ts=101.200000 lvl=info thr=w1 ev=close sid=3 be=b2 seq=8 active=0 "
    "reason=done\n"
    "ts=100.150000 lvl=info thr=w0 ev=pick sid=3 seq=2 be=b2 "
    "cand=\"b1:1/up b2:0/up\"\n"
    "ts=100.190000 lvl=warn thr=w1 ev=connect_fail sid=2 be=b1 seq=4 "
    "active=1 err=ECONNREFUSED attempt=1\n"
    "ts=100.300000 lvl=warn thr=w1 ev=backend_down be=b1 seq=5 "
    "reason=connect_failed\n"
    "ts=100.400000 lvl=info thr=w0 ev=close sid=1 be=b1 seq=6 active=0 "
    "reason=done\n"
    "ts=100.450000 lvl=info thr=w0 ev=close sid=9 be=- reason=no_backend\n"
    "ts=100.500000 lvl=error thr=w0 ev=connect_fail sid=10 be=b2 local=1 "
    "err=EMFILE\n"
    "not a log line\n"
    "ts=101.000000 lvl=info thr=health ev=backend_up be=b1 seq=7 "
    "reason=check_ok\n";

static const char timeline_log[] =
    "ts=100.000000 ev=proxy_start pid=1 port=1\n"
    "ts=100.250000 ev=fault action=crash be=b1 line=5\n"
    "ts=100.900000 ev=fault action=restart be=b1 line=6\n"
    "ts=102.000000 ev=run_end reason=done\n";

static void outcome_load(struct outcome *o, const struct scenario *s,
                         const char *proxy, const char *timeline)
{
    outcome_init(o, s);
    o->start_ts = 100.0;
    o->end_ts = 102.0;
    CU_ASSERT_EQUAL(trace_load_text(&o->proxy, "proxy.log", proxy), 0);
    CU_ASSERT_EQUAL(trace_load_text(&o->timeline, "timeline.log", timeline),
                    0);
}

static void assert_points(const struct report_timeline_series *series,
                          const double *expected, size_t count)
{
    CU_ASSERT_EQUAL_FATAL(series->point_count, count);
    for (size_t i = 0; i < count; i++) {
        CU_ASSERT_DOUBLE_EQUAL(series->points[i].t, expected[2 * i], 1e-9);
        CU_ASSERT_EQUAL(series->points[i].active, (int)expected[2 * i + 1]);
    }
}

static void test_timeline_replay(void)
{
    static const double b1[] = { 0, 0, 0.1, 0, 0.1, 1, 0.2, 1, 0.2, 2,
                                 0.2, 2, 0.2, 1, 0.4, 1, 0.4, 0, 2.0, 0 };
    static const double b2[] = { 0, 0, 0.15, 0, 0.15, 1, 1.2, 1, 1.2, 0,
                                 2.0, 0 };
    struct fixture f;
    struct outcome o;
    struct report_timeline t;

    fixture_make(&f, "scenarios/two.scn");
    outcome_load(&o, f.scenario, proxy_log, timeline_log);
    CU_ASSERT_EQUAL_FATAL(report_timeline_build(&t, f.scenario, &o, 2000), 0);
    CU_ASSERT_EQUAL(t.backend_count, 2);
    CU_ASSERT_DOUBLE_EQUAL(t.duration, 2.0, 1e-9);
    CU_ASSERT_EQUAL(t.peak, 2);
    assert_points(&t.series[0], b1, COUNT_OF(b1) / 2);
    assert_points(&t.series[1], b2, COUNT_OF(b2) / 2);
    CU_ASSERT_EQUAL_FATAL(t.series[0].down_count, 1);
    CU_ASSERT_DOUBLE_EQUAL(t.series[0].down[0].from, 0.3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(t.series[0].down[0].to, 1.0, 1e-9);
    CU_ASSERT_EQUAL(t.series[1].down_count, 0);
    CU_ASSERT_EQUAL_FATAL(t.mark_count, 2);
    CU_ASSERT_STRING_EQUAL(t.marks[0].label, "crash b1");
    CU_ASSERT_DOUBLE_EQUAL(t.marks[0].t, 0.25, 1e-9);
    CU_ASSERT_STRING_EQUAL(t.marks[1].label, "restart b1");
    report_timeline_free(&t);
    outcome_free(&o);
    fixture_free(&f);
}

/* Operations and ejections are marked like faults, in time order per log. */
static void test_timeline_operations(void)
{
    static const char timeline[] =
        "ts=100.000000 ev=proxy_start pid=1 port=1\n"
        "ts=100.500000 ev=operate action=drain be=b1 cmd=\"drain b1\" "
        "answer=\"ok seq=4\" line=7\n"
        "ts=100.600000 ev=operate action=weight be=b2 cmd=\"set weight b2 5\" "
        "answer=\"ok seq=5\" line=8\n"
        "ts=100.700000 ev=operate action=reload be=- cmd=reload "
        "answer=\"ok seq=6\" line=9\n"
        "ts=102.000000 ev=run_end reason=done\n";
    static const char proxy[] =
        "ts=100.300000 ev=ejected be=b2 seq=1 failures=3 ms=200 "
        "ejections=1\n"
        "ts=100.800000 ev=restored be=b2 seq=2 ejections=1\n";
    struct fixture f;
    struct outcome o;
    struct report_timeline t;

    fixture_make(&f, "scenarios/two.scn");
    outcome_load(&o, f.scenario, proxy, timeline);
    CU_ASSERT_EQUAL_FATAL(report_timeline_build(&t, f.scenario, &o, 2000), 0);
    CU_ASSERT_EQUAL_FATAL(t.mark_count, 5);
    CU_ASSERT_STRING_EQUAL(t.marks[0].label, "drain b1");
    CU_ASSERT_DOUBLE_EQUAL(t.marks[0].t, 0.5, 1e-9);
    CU_ASSERT_STRING_EQUAL(t.marks[1].label, "weight b2 5");
    CU_ASSERT_STRING_EQUAL(t.marks[2].label, "reload");
    CU_ASSERT_STRING_EQUAL(t.marks[3].label, "ejected b2");
    CU_ASSERT_DOUBLE_EQUAL(t.marks[3].t, 0.3, 1e-9);
    CU_ASSERT_STRING_EQUAL(t.marks[4].label, "restored b2");
    report_timeline_free(&t);
    outcome_free(&o);
    fixture_free(&f);
}

/* A long run: b1 goes 0-1-0 10,000 times, with one spike to 50 in the
 * middle; b2 is never picked but goes down for good at t = 3 s. */
static char *long_log(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    long seq = 1;

    CU_ASSERT_FATAL(out != NULL);
    for (int i = 0; i < 10000; i++) {
        int height = i == 5000 ? 50 : 1;

        for (int k = 0; k < height; k++)
            fprintf(out, "ts=%.6f ev=pick seq=%ld be=b1\n",
                    100 + i * 0.0005, seq++);
        for (int k = 0; k < height; k++)
            fprintf(out, "ts=%.6f ev=close seq=%ld be=b1\n",
                    100 + i * 0.0005 + 0.0002, seq++);
    }
    fprintf(out, "ts=103.000000 ev=backend_down be=b2 seq=%ld\n", seq);
    fclose(out);
    return text;
}

static void test_timeline_thinned(void)
{
    struct fixture f;
    struct outcome o;
    struct report_timeline t;
    const struct report_timeline_series *b1;
    char *log = long_log();
    int highest = 0;

    fixture_make(&f, "scenarios/two.scn");
    outcome_load(&o, f.scenario, log, "");
    o.end_ts = 106.0;
    CU_ASSERT_EQUAL_FATAL(report_timeline_build(&t, f.scenario, &o, 2000), 0);
    b1 = &t.series[0];
    CU_ASSERT(b1->point_count <= 2000);
    CU_ASSERT(b1->point_count > 100);
    CU_ASSERT_EQUAL(t.peak, 50);
    for (size_t i = 0; i < b1->point_count; i++) {
        if (b1->points[i].active > highest)
            highest = b1->points[i].active;
        if (i > 0)
            CU_ASSERT(b1->points[i].t >= b1->points[i - 1].t);
    }
    CU_ASSERT_EQUAL(highest, 50);
    CU_ASSERT_DOUBLE_EQUAL(b1->points[b1->point_count - 1].t, 6.0, 1e-9);
    CU_ASSERT_EQUAL(b1->points[b1->point_count - 1].active, 0);
    /* Never up again: down until the end. */
    CU_ASSERT_EQUAL_FATAL(t.series[1].down_count, 1);
    CU_ASSERT_DOUBLE_EQUAL(t.series[1].down[0].to, 6.0, 1e-9);
    report_timeline_free(&t);
    outcome_free(&o);
    free(log);
    fixture_free(&f);
}

static char *html_of(const struct fixture *f, const char *name)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/html/%s", f->dir, name);
    return read_all(path);
}

static void test_html_page(void)
{
    struct fixture f;
    struct outcome o;
    char dir[96], *html;

    fixture_make(&f, "scenarios/two.scn");
    snprintf(f.scenario->description, sizeof(f.scenario->description),
             "<b>bold</b> & co");
    outcome_load(&o, f.scenario, proxy_log, timeline_log);
    snprintf(dir, sizeof(dir), "%s/html", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_html(dir, f.result, &o), 0);
    /* A second run into the same directory is fine. */
    CU_ASSERT_EQUAL(report_html(dir, f.result, &o), 0);
    html = html_of(&f, "two.html");
    CU_ASSERT_FATAL(html != NULL);
    CU_ASSERT(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CU_ASSERT(strstr(html, "&lt;b&gt;bold&lt;/b&gt; &amp; co") != NULL);
    CU_ASSERT(strstr(html, "<b>bold") == NULL);
    CU_ASSERT_EQUAL(count_of(html, "<svg "), 1);
    CU_ASSERT_EQUAL(count_of(html, "<polyline data-backend=\"b1\""), 1);
    CU_ASSERT_EQUAL(count_of(html, "<polyline data-backend=\"b2\""), 1);
    /* b1 drawn wider than b2: where their counts are equal it shows
     * round b2's line. */
    CU_ASSERT(strstr(html, "data-backend=\"b1\" fill=\"none\" stroke=\"#1f77b4\" "
                           "stroke-width=\"3.0\"") != NULL);
    CU_ASSERT(strstr(html, "data-backend=\"b2\" fill=\"none\" stroke=\"#ff7f0e\" "
                           "stroke-width=\"1.5\"") != NULL);
    CU_ASSERT(strstr(html, ">crash b1</text>") != NULL);
    CU_ASSERT(strstr(html, ">restart b1</text>") != NULL);
    CU_ASSERT_EQUAL(count_of(html, "stroke-dasharray"), 2);
    CU_ASSERT_EQUAL(count_of(html, "<rect class=\"down\""), 1);
    CU_ASSERT_EQUAL(count_of(html, "<span class=\"fail\">FAIL</span>"), 2);
    CU_ASSERT(strstr(html, ">2.0s</text>") != NULL);
    CU_ASSERT(strstr(html, "</svg>") != NULL);
    CU_ASSERT(strstr(html, "</html>\n") != NULL);
    free(html);
    outcome_free(&o);
    fixture_free(&f);
}

/* The y of the <text> whose content is label, or -1. */
static double label_y(const char *html, const char *label)
{
    char needle[64];
    const char *end, *y;

    snprintf(needle, sizeof(needle), ">%s</text>", label);
    end = strstr(html, needle);
    if (end == NULL)
        return -1;
    for (y = end; y > html && strncmp(y, " y=\"", 4) != 0; y--)
        ;
    return y > html ? atof(y + 4) : -1;
}

/* Faults close in time get label rows of their own, and the plot makes
 * room for them; a fault far from the others goes back to the first row. */
static void test_html_labels_apart(void)
{
    static const char crowded[] =
        "ts=100.000000 ev=proxy_start pid=1 port=1\n"
        "ts=100.250000 ev=fault action=crash be=b1 line=5\n"
        "ts=100.270000 ev=fault action=restart be=b1 line=6\n"
        "ts=100.290000 ev=fault action=crash be=b2 line=7\n"
        "ts=101.500000 ev=fault action=restart be=b2 line=8\n"
        "ts=102.000000 ev=run_end reason=done\n";
    struct fixture f;
    struct outcome o;
    char dir[96], *html;
    double y1, y2, y3, y4;

    fixture_make(&f, "scenarios/two.scn");
    outcome_load(&o, f.scenario, proxy_log, crowded);
    snprintf(dir, sizeof(dir), "%s/html", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_html(dir, f.result, &o), 0);
    html = html_of(&f, "two.html");
    CU_ASSERT_FATAL(html != NULL);
    y1 = label_y(html, "crash b1");
    y2 = label_y(html, "restart b1");
    y3 = label_y(html, "crash b2");
    y4 = label_y(html, "restart b2");
    CU_ASSERT(y1 > 0 && y2 > 0 && y3 > 0 && y4 > 0);
    CU_ASSERT(y1 != y2 && y2 != y3 && y1 != y3);
    CU_ASSERT_DOUBLE_EQUAL(y4, y1, 1e-9);
    CU_ASSERT(strstr(html, "height=\"414\"") != NULL);
    free(html);
    outcome_free(&o);
    fixture_free(&f);
}

static void test_html_empty(void)
{
    struct fixture f;
    struct outcome o;
    char dir[96], *html;

    fixture_make(&f, "empty.scn");
    f.scenario->backend_count = 0;
    f.scenario->expect_count = 0;
    f.result->verdict_count = 0;
    outcome_init(&o, f.scenario);
    snprintf(dir, sizeof(dir), "%s/html", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_html(dir, f.result, &o), 0);
    html = html_of(&f, "empty.html");
    CU_ASSERT_FATAL(html != NULL);
    CU_ASSERT(strstr(html, "<svg ") != NULL);
    CU_ASSERT(strstr(html, "<polyline") == NULL);
    free(html);
    /* No outcome at all (the run never started): a page without a plot. */
    f.scenario->path[0] = '\0';
    f.result->aborted = true;
    CU_ASSERT_EQUAL_FATAL(report_html(dir, f.result, NULL), 0);
    html = html_of(&f, "scenario.html");
    CU_ASSERT_FATAL(html != NULL);
    CU_ASSERT(strstr(html, "<svg") == NULL);
    CU_ASSERT(strstr(html, "did not finish") != NULL);
    free(html);
    outcome_free(&o);
    fixture_free(&f);
}

static void test_html_big_run_is_bounded(void)
{
    struct fixture f;
    struct outcome o;
    char dir[96], *html, *log = long_log();

    fixture_make(&f, "big.scn");
    outcome_load(&o, f.scenario, log, timeline_log);
    snprintf(dir, sizeof(dir), "%s/html", f.dir);
    CU_ASSERT_EQUAL_FATAL(report_html(dir, f.result, &o), 0);
    html = html_of(&f, "big.html");
    CU_ASSERT_FATAL(html != NULL);
    /* 40,000 changes, but at most 2,000 points of ~12 bytes a line. */
    CU_ASSERT(strlen(html) < 2 * 2000 * 14 + 20000);
    free(html);
    free(log);
    outcome_free(&o);
    fixture_free(&f);
}

static void test_html_errors(void)
{
    struct fixture f;
    char path[96];
    FILE *file;

    fixture_make(&f, "scenarios/two.scn");
    snprintf(path, sizeof(path), "%s/file", f.dir);
    file = fopen(path, "w");
    CU_ASSERT_FATAL(file != NULL);
    fclose(file);
    errno = 0;
    CU_ASSERT_EQUAL(report_html(path, f.result, NULL), -1);
    CU_ASSERT_EQUAL(errno, ENOTDIR);
    snprintf(path, sizeof(path), "%s/no/such", f.dir);
    CU_ASSERT_EQUAL(report_html(path, f.result, NULL), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    fixture_free(&f);
}

static void test_escape(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    CU_ASSERT_FATAL(out != NULL);
    /* A bad byte, a truncated sequence, an overlong NUL, a surrogate. */
    report_escape_xml(out, "a\xff" "b\xc3" "c\xc0\x80" "d\xed\xa0\x80|");
    report_escape_json(out, "\u00b1\x01");
    fclose(out);
    CU_ASSERT_STRING_EQUAL(text, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD"
                                 "c\xEF\xBF\xBD\xEF\xBF\xBD"
                                 "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                                 "\"\u00b1\\u0001\"");
    CU_ASSERT_EQUAL(report_escape_width("share b1=50%\u00b110%"), 16);
    CU_ASSERT_EQUAL(report_escape_utf8_len("\xF0\x9F\x98\x80"), 4);
    CU_ASSERT_EQUAL(report_escape_utf8_len("\xF4\x90\x80\x80"), 0);
    free(text);
}

static CU_TestInfo report_tests[] = {
    { "text lines", test_text_lines },
    { "text colour on verdicts only", test_text_color },
    { "text wraps and cuts reasons", test_text_wraps_and_cuts },
    { "text newlines and controls", test_text_newlines_and_controls },
    { "text aborted run", test_text_aborted },
    { "text and TAP of a run not judged", test_text_not_judged },
    { "text no expectations", test_text_no_expectations },
    { "passed", test_passed },
    { "tap", test_tap },
    { "junit counts, escaping, well-formed", test_junit },
    { "junit and gradescope unwritable", test_junit_unwritable },
    { "gradescope scores and JSON", test_gradescope },
    { "gradescope empty", test_gradescope_empty },
    { "timeline replay in seq order", test_timeline_replay },
    { "timeline thinned keeps the peak", test_timeline_thinned },
    { "timeline marks operations and ejections", test_timeline_operations },
    { "html page", test_html_page },
    { "html labels of close faults apart", test_html_labels_apart },
    { "html empty outcome and no outcome", test_html_empty },
    { "html big run bounded", test_html_big_run_is_bounded },
    { "html directory errors", test_html_errors },
    { "escape utf-8", test_escape },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(report, report_tests)
