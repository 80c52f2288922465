/*
 * test_options: the table-driven option parser (common/options.c).
 *
 *   parse      every kind stored in its field (bool, int, long, text, word
 *              index), the defaults from the table, OPTIONS_FIRST applied
 *              before the rest wherever it stands, operands counted;
 *   words      each mistake in its one wording: unknown long and short
 *              options (also inside a cluster), a missing value, a value
 *              for a flag, a bad value of each kind, a second value, an
 *              extra argument; control bytes escaped;
 *   repeat     OPTIONS_ONCE refuses a second value, not a second flag;
 *              OPTIONS_LAST_WINS takes the last; OPTIONS_REPEATS applies
 *              each;
 *   files      options_set: unknown and command-line-only settings;
 *   help       generated from the table: placeholders, defaults, sections,
 *              wrapping; --help and --version end parsing with
 *              OPTIONS_EXIT.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_of.h"
#include "options.h"
#include "process.h"
#include "testlib.h"

#define MAX_ARGS 16

/* What the test table stores. */
struct sample {
    bool verbose;
    int count;
    long delay_ms;
    long seconds_ms;
    long bytes;
    int mode;
    const char *host;
    int list_items;
    char order[8];          /* custom rows, in the order applied */
};

static int sample_custom(void *store, const struct options_spec *spec,
                         const char *value, char *err, size_t errlen)
{
    struct sample *s = store;
    size_t len = strlen(s->order);

    if (strcmp(value, "bad") == 0) {
        snprintf(err, errlen, "'%s' is no good", value);
        return -1;
    }
    if (len + 1 < sizeof(s->order))
        s->order[len] = spec->name[0];
    s->list_items++;
    return 0;
}

#define AT(member) OPTIONS_FIELD(struct sample, member)

static const struct options_spec sample_specs[] = {
    { "verbose", 'v', OPTIONS_FLAG, .help = "say more", AT(verbose) },
    { "count", 'n', OPTIONS_COUNT, 1, 100, .help = "how many",
      .initial = "5", AT(count) },
    { "delay", 0, OPTIONS_DURATION, 0, 60000, .help = "wait this long",
      .initial = "1s", .section = "Timing:", AT(delay_ms) },
    { "duration", 0, OPTIONS_SECONDS, 0, 3600000, .help = "run this long",
      AT(seconds_ms) },
    { "size", 's', OPTIONS_SIZE, 1, 1048576, .help = "payload", AT(bytes) },
    { "mode", 0, OPTIONS_WORD, .words = "line|echo|raw", .help = "protocol",
      .initial = "line", AT(mode) },
    { "host", 0, OPTIONS_TEXT, .arg = "ADDR", .help = "where to connect "
      "to, a host name or an address, which is a long help text that has "
      "to be wrapped\nand a line of its own", AT(host) },
    { "item", 'i', OPTIONS_CUSTOM, .flags = OPTIONS_REPEATS,
      .help = "an item" },
    { "file", 'f', OPTIONS_CUSTOM, .flags = OPTIONS_FIRST | OPTIONS_CLI_ONLY,
      .help = "read FILE first" },
    OPTIONS_HELP_ROWS,
};

static const struct options_table sample_once = {
    .program = "sample", .usage = "[OPTION]... [ARG]", .about = "A sample.",
    .footer = "The end.\n", OPTIONS_ROWS(sample_specs), .repeat = OPTIONS_ONCE,
    .operands_max = 1,
};

static const struct options_table sample_last = {
    .program = "sample", .usage = "[OPTION]...", .about = "A sample.",
    .footer = "The end.\n", OPTIONS_ROWS(sample_specs), .repeat = OPTIONS_LAST_WINS,
    .operands_max = 0,
};

/* Parses "sample ARGS" over the table's defaults; out gets --help. */
static int run(const struct options_table *table, struct sample *s,
               const char *const *args, char *out_text, size_t out_size,
               char *err)
{
    char *argv[MAX_ARGS + 2];
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int argc = 0, rc;

    /* getopt permutes argv but writes no string: the literals may stay. */
    argv[argc] = (char *)"sample";
    for (argc = 1; *args != NULL && argc <= MAX_ARGS; args++, argc++)
        argv[argc] = (char *)*args;
    argv[argc] = NULL;
    memset(s, 0, sizeof(*s));
    options_defaults(table, s, sample_custom);
    err[0] = '\0';
    rc = options_parse(table, s, sample_custom, argc, argv, out, err, 256);
    fclose(out);
    if (out_text != NULL)
        snprintf(out_text, out_size, "%s", text);
    free(text);
    return rc;
}

#define PARSE(table, s, err, ...) \
    run((table), (s), (const char *const[]){ __VA_ARGS__, NULL }, NULL, 0, \
        (err))

static void test_kinds_stored(void)
{
    struct sample s;
    char err[256];

    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "-v", "-n", "7", "--delay",
                          "1.5s", "--duration", "2", "-s", "4k", "--mode",
                          "raw", "--host", "example", "arg"), 14);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_TRUE(s.verbose);
    CU_ASSERT_EQUAL(s.count, 7);
    CU_ASSERT_EQUAL(s.delay_ms, 1500);
    CU_ASSERT_EQUAL(s.seconds_ms, 2000);
    CU_ASSERT_EQUAL(s.bytes, 4096);
    CU_ASSERT_EQUAL(s.mode, 2);
    CU_ASSERT_STRING_EQUAL(s.host, "example");
    /* Defaults come from the table's initial texts. */
    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "--duration", "1500ms"), 3);
    CU_ASSERT_EQUAL(s.count, 5);
    CU_ASSERT_EQUAL(s.delay_ms, 1000);
    CU_ASSERT_EQUAL(s.mode, 0);
    CU_ASSERT_EQUAL(s.seconds_ms, 1500);
    CU_ASSERT_FALSE(s.verbose);
}

static void test_first_and_repeats(void)
{
    struct sample s;
    char err[256];

    /* -f is applied before -i, though it comes after; -i applies twice. */
    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "-i", "a", "-f", "x", "-i",
                          "b"), 7);
    CU_ASSERT_STRING_EQUAL(s.order, "fii");
    CU_ASSERT_EQUAL(s.list_items, 3);
    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "-i", "bad"), -1);
    CU_ASSERT_STRING_EQUAL(err, "--item: 'bad' is no good");
}

static void test_repeat_rules(void)
{
    struct sample s;
    char err[256];

    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "-n", "2", "--count=3"), -1);
    CU_ASSERT_STRING_EQUAL(err, "--count is given twice");
    /* A flag given twice changes nothing. */
    CU_ASSERT_EQUAL(PARSE(&sample_once, &s, err, "-v", "--verbose"), 3);
    CU_ASSERT_EQUAL(PARSE(&sample_last, &s, err, "-n", "2", "--count=3"), 4);
    CU_ASSERT_EQUAL(s.count, 3);
}

/* One mistake and its words. */
struct mistake {
    const char *args[4];
    const char *words;
};

static void test_words(void)
{
    static const struct mistake cases[] = {
        { { "--bogus" }, "unknown option '--bogus'" },
        { { "--bogus=1" }, "unknown option '--bogus'" },
        { { "-x" }, "unknown option '-x'" },
        { { "-n", "2", "-vx" }, "unknown option '-x'" },
        { { "--count" }, "option '--count' needs a value" },
        { { "-n" }, "option '-n' needs a value" },
        { { "-vn" }, "option '-n' needs a value" },
        { { "--help=3" }, "option '--help' takes no value" },
        { { "--verbose=yes" }, "option '--verbose' takes no value" },
        { { "-n", "x" }, "--count 'x': must be a whole number from 1 to 100" },
        { { "-n", "+5" }, "--count '+5': must be a whole number from 1 to 100" },
        { { "--delay", "2m" }, "--delay '2m': must be a duration from 0ms to "
          "1m, like 500ms or 2s" },
        { { "--duration", "1e1" }, "--duration '1e1': must be a number of "
          "seconds or a duration from 0ms to 60m, like 10 or 1500ms" },
        { { "-s", "0" }, "--size '0': must be a size from 1 to 1M bytes, like "
          "512, 4k or 1M" },
        { { "--mode", "tcp" }, "--mode 'tcp': must be line, echo or raw" },
        { { "--host", "" }, "--host '': must not be empty" },
        { { "a", "b" }, "unexpected argument 'b'" },
        { { "--mode", "\x1b]0;x\x07" }, "--mode '\\x1b]0;x\\x07': must be "
          "line, echo or raw" },
    };
    struct sample s;
    char err[256];

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        CU_ASSERT_EQUAL(run(&sample_once, &s, cases[i].args, NULL, 0, err),
                        -1);
        CU_ASSERT_STRING_EQUAL(err, cases[i].words);
    }
}

static void test_set(void)
{
    struct sample s;
    char err[256];

    memset(&s, 0, sizeof(s));
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "count",
                                "9", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(s.count, 9);
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "count",
                                "0", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "count '0': must be a whole number from 1 "
                           "to 100");
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "file", "x",
                                err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "unknown setting 'file'");
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "help", "",
                                err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "unknown setting 'help'");
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "verbose",
                                "1", err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "verbose takes no value");
    CU_ASSERT_EQUAL(options_set(&sample_once, &s, sample_custom, "verbose",
                                "", err, sizeof(err)), 0);
    CU_ASSERT_TRUE(s.verbose);
}

static void test_help_and_version(void)
{
    static const char *const help[] = { "-n", "2", "--help", "--bogus", NULL };
    static const char *const version[] = { "-V", NULL };
    char out[4096], err[256];
    struct sample s;

    CU_ASSERT_EQUAL(run(&sample_once, &s, help, out, sizeof(out), err),
                    OPTIONS_EXIT);
    CU_ASSERT(strncmp(out, "Usage: sample [OPTION]... [ARG]\nA sample.\n\n",
                      43) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  -v, --verbose               "
                                       "say more\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  -n, --count N               how "
                                       "many (default 5)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nTiming:\n      --delay MS"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--mode line|echo|raw"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "      --host ADDR             where "
                                       "to connect to, a host name or an address,\n"
                                       "                              which"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "to be wrapped\n                     "
                                       "         and a line of its own\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n\nThe end.\n"));
    /* Nothing of the options after --help was applied or checked. */
    CU_ASSERT_EQUAL(s.count, 5);
    CU_ASSERT_EQUAL(run(&sample_once, &s, version, out, sizeof(out), err),
                    OPTIONS_EXIT);
    CU_ASSERT_STRING_EQUAL(out, "sample " PROCESS_VERSION "\n");
}

/* Every line of --help fits 79 columns. */
static void test_help_width(void)
{
    char *text = NULL, *line, *save = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    options_help(&sample_once, out);
    fclose(out);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save))
        CU_ASSERT(strlen(line) <= 79);
    free(text);
}

static CU_TestInfo cases[] = {
    { "every kind stored, defaults from the table", test_kinds_stored },
    { "FIRST rows first, REPEATS rows each time", test_first_and_repeats },
    { "a second value: refused or the last wins", test_repeat_rules },
    { "each mistake in its one wording", test_words },
    { "config settings through options_set", test_set },
    { "--help generated, --help and --version end parsing",
      test_help_and_version },
    { "--help lines fit 79 columns", test_help_width },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(options, cases)
