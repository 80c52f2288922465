/*
 * options: table-driven parsing of command lines and config settings, and
 * the --help generated from the same table. See options.h.
 *
 * getopt_long's arrays are built from the table on the stack at each call;
 * a row with a letter has that letter as its getopt value, the others
 * 256 + their index, so that every value maps back to its row.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "process.h"

#define LONG_VALUE_BASE 256
#define HELP_LEFT 26            /* width of "  -t, --threads N" column */
#define HELP_WIDTH 79           /* of a whole --help line */

bool options_takes_value(const struct options_spec *spec)
{
    return spec->kind != OPTIONS_FLAG && spec->kind != OPTIONS_HELP &&
           spec->kind != OPTIONS_VERSION;
}

const struct options_spec *options_find(const struct options_table *table,
                                        const char *name)
{
    for (size_t i = 0; i < table->count; i++) {
        if (strcmp(table->specs[i].name, name) == 0)
            return &table->specs[i];
    }
    return NULL;
}

/* "a, b or c" from "a|b|c", into buf. */
static const char *list_words(const char *words, char *buf, size_t size)
{
    size_t used = 0, len;

    buf[0] = '\0';
    while (*words != '\0' && used < size) {
        len = strcspn(words, "|");
        used += (size_t)snprintf(buf + used, size - used, "%s%.*s",
                                 used == 0 ? "" : words[len] == '\0' ? " or "
                                 : ", ", (int)len, words);
        words += len + (words[len] == '|');
    }
    return buf;
}

/* The index of text among words, or -1. */
static long word_index(const char *words, const char *text)
{
    size_t len = strlen(text), item;

    for (long i = 0; *words != '\0'; i++) {
        item = strcspn(words, "|");
        if (item == len && strncmp(words, text, len) == 0)
            return i;
        words += item + (words[item] == '|');
    }
    return -1;
}

/* What a value of spec must be, for messages: "a whole number from ...". */
static void describe_value(const struct options_spec *spec, char *buf,
                           size_t size)
{
    char low[24], high[24];

    if (spec->kind == OPTIONS_DURATION || spec->kind == OPTIONS_SECONDS)
        snprintf(buf, size, "a %s from %s to %s, like %s",
                 spec->kind == OPTIONS_SECONDS ? "number of seconds or a "
                 "duration" : "duration",
                 parse_format_ms(spec->min, low, sizeof(low)),
                 parse_format_ms(spec->max, high, sizeof(high)),
                 spec->kind == OPTIONS_SECONDS ? "10 or 1500ms"
                                               : "500ms or 2s");
    else if (spec->kind == OPTIONS_SIZE)
        snprintf(buf, size, "a size from %s to %s bytes, like 512, 4k or 1M",
                 parse_format_size(spec->min, low, sizeof(low)),
                 parse_format_size(spec->max, high, sizeof(high)));
    else if (spec->kind == OPTIONS_WORD)
        list_words(spec->words, buf, size);
    else
        snprintf(buf, size, "a whole number from %ld to %ld", spec->min,
                 spec->max);
}

/* OPTIONS_SECONDS: a bare number ("10", "1.5") gets the unit "s". */
static int read_seconds(const struct options_spec *spec, const char *text,
                        long *number)
{
    size_t len = strlen(text);
    char with_unit[64];

    if (len > 0 && len < sizeof(with_unit) - 1 &&
        text[len - 1] >= '0' && text[len - 1] <= '9') {
        snprintf(with_unit, sizeof(with_unit), "%ss", text);
        text = with_unit;
    }
    return parse_duration_ms(text, spec->min, spec->max, number);
}

int options_read(const struct options_spec *spec, const char *prefix,
                 const char *text, long *number, char *err, size_t errlen)
{
    char must[160];
    int rc;

    switch (spec->kind) {
    case OPTIONS_COUNT:
        rc = parse_long(text, spec->min, spec->max, number);
        break;
    case OPTIONS_DURATION:
        rc = parse_duration_ms(text, spec->min, spec->max, number);
        break;
    case OPTIONS_SECONDS:
        rc = read_seconds(spec, text, number);
        break;
    case OPTIONS_SIZE:
        rc = parse_size(text, spec->min, spec->max, number);
        break;
    case OPTIONS_WORD:
        *number = word_index(spec->words, text);
        rc = *number == -1 ? -1 : 0;
        break;
    default:
        *number = 0;
        return 0;
    }
    if (rc == 0)
        return 0;
    describe_value(spec, must, sizeof(must));
    snprintf(err, errlen, "%s%s '%s': must be %s", prefix, spec->name, text,
             must);
    return -1;
}

/* Stores number into spec's field as its size says. */
static void store_number(const struct options_spec *spec, void *store,
                         long number)
{
    char *field = (char *)store + spec->offset;
    int as_int = (int)number;

    if (spec->size == sizeof(bool))
        *(bool *)(void *)field = number != 0;
    else if (spec->size == sizeof(int))
        memcpy(field, &as_int, sizeof(as_int));
    else if (spec->size == sizeof(long))
        memcpy(field, &number, sizeof(number));
}

/* Reads text as spec says and stores it. Returns 0 or -1 with err. */
static int apply(const struct options_spec *spec, void *store,
                 options_custom_fn custom, const char *prefix,
                 const char *text, char *err, size_t errlen)
{
    char why[512];
    long number = 1;

    if (spec->kind == OPTIONS_CUSTOM) {
        if (custom(store, spec, text, why, sizeof(why)) == 0)
            return 0;
        if (spec->flags & OPTIONS_OWN_WORDS)
            snprintf(err, errlen, "%s", why);
        else
            snprintf(err, errlen, "%s%s: %s", prefix, spec->name, why);
        return -1;
    }
    if (spec->kind == OPTIONS_TEXT) {
        if (text[0] == '\0') {
            snprintf(err, errlen, "%s%s '': must not be empty", prefix,
                     spec->name);
            return -1;
        }
        if (spec->size == sizeof(text))
            memcpy((char *)store + spec->offset, &text, sizeof(text));
        return 0;
    }
    if (spec->kind != OPTIONS_FLAG &&
        options_read(spec, prefix, text, &number, err, errlen) == -1)
        return -1;
    store_number(spec, store, number);
    return 0;
}

void options_defaults(const struct options_table *table, void *store,
                      options_custom_fn custom)
{
    char err[256];

    for (size_t i = 0; i < table->count; i++) {
        if (table->specs[i].initial != NULL)
            apply(&table->specs[i], store, custom, "",
                  table->specs[i].initial, err, sizeof(err));
    }
}

int options_set(const struct options_table *table, void *store,
                options_custom_fn custom, const char *name, const char *value,
                char *err, size_t errlen)
{
    const struct options_spec *spec = options_find(table, name);

    if (spec == NULL || (spec->flags & OPTIONS_CLI_ONLY) ||
        spec->kind == OPTIONS_HELP || spec->kind == OPTIONS_VERSION) {
        snprintf(err, errlen, "unknown setting '%s'", name);
        return -1;
    }
    if (!options_takes_value(spec) && value[0] != '\0') {
        snprintf(err, errlen, "%s takes no value", name);
        return -1;
    }
    return apply(spec, store, custom, "", value, err, errlen);
}

/* ---- command line ---------------------------------------------------- */

/* getopt_long's arrays for table; shortopts holds 3 * OPTIONS_MAX + 2. */
static void build_getopt(const struct options_table *table,
                         struct option *longopts, char *shortopts)
{
    size_t s = 0;

    shortopts[s++] = ':';   /* report a missing value as ':' */
    for (size_t i = 0; i < table->count; i++) {
        const struct options_spec *spec = &table->specs[i];

        longopts[i] = (struct option){
            .name = spec->name,
            .has_arg = options_takes_value(spec) ? required_argument
                                                 : no_argument,
            .val = spec->letter != 0 ? spec->letter
                                     : LONG_VALUE_BASE + (int)i,
        };
        if (spec->letter != 0) {
            shortopts[s++] = (char)spec->letter;
            if (options_takes_value(spec))
                shortopts[s++] = ':';
        }
    }
    longopts[table->count] = (struct option){ 0 };
    shortopts[s] = '\0';
}

/* The row of getopt value val, or NULL. */
static const struct options_spec *spec_of(const struct options_table *table,
                                          int val)
{
    if (val >= LONG_VALUE_BASE && val < LONG_VALUE_BASE + (int)table->count)
        return &table->specs[val - LONG_VALUE_BASE];
    for (size_t i = 0; i < table->count; i++) {
        if (table->specs[i].letter != 0 && table->specs[i].letter == val)
            return &table->specs[i];
    }
    return NULL;
}

/* Words getopt_long's '?' or ':' about argv[optind - 1]. */
static void getopt_error(const struct options_table *table, int c,
                         char **argv, char *err, size_t errlen)
{
    const char *word = argv[optind - 1];
    int len = (int)strcspn(word, "=");

    /* A letter inside a cluster ("-qx") is named by optopt alone:
     * argv[optind - 1] may still be the argument before the cluster. */
    if (optopt > 0 && optopt < LONG_VALUE_BASE && spec_of(table, optopt) == NULL)
        snprintf(err, errlen, "unknown option '-%c'", optopt);
    else if (strncmp(word, "--", 2) != 0)
        snprintf(err, errlen, "option '-%c' needs a value", optopt);
    else if (c == ':')
        snprintf(err, errlen, "option '%.*s' needs a value", len, word);
    else if (optopt != 0)
        snprintf(err, errlen, "option '%.*s' takes no value", len, word);
    else
        snprintf(err, errlen, "unknown option '%.*s'", len, word);
}

/* The phases of options_parse: check the form, apply the OPTIONS_FIRST
 * rows, apply the rest. */
enum phase { PHASE_CHECK, PHASE_FIRST, PHASE_REST };

/* Checks one option's form (phase 1). Returns 0, OPTIONS_EXIT after
 * --help or --version, or -1 with err. */
static int check_form(const struct options_table *table,
                      const struct options_spec *spec, uint64_t *seen,
                      FILE *out, char *err, size_t errlen)
{
    uint64_t bit = (uint64_t)1 << (spec - table->specs);

    if (spec->kind == OPTIONS_HELP) {
        options_help(table, out);
        return OPTIONS_EXIT;
    }
    if (spec->kind == OPTIONS_VERSION) {
        fprintf(out, "%s %s\n", table->program, PROCESS_VERSION);
        return OPTIONS_EXIT;
    }
    if ((*seen & bit) && table->repeat == OPTIONS_ONCE &&
        options_takes_value(spec) && !(spec->flags & OPTIONS_REPEATS)) {
        snprintf(err, errlen, "--%s is given twice", spec->name);
        return -1;
    }
    *seen |= bit;
    return 0;
}

/* One getopt pass over argv. Returns as options_parse, without the
 * operand check. */
static int scan(const struct options_table *table, void *store,
                options_custom_fn custom, enum phase phase, int argc,
                char **argv, FILE *out, char *err, size_t errlen)
{
    struct option longopts[OPTIONS_MAX + 1];
    char shortopts[3 * OPTIONS_MAX + 2];
    uint64_t seen = 0;
    int c, rc;

    build_getopt(table, longopts, shortopts);
    optind = 0;     /* glibc: 0 restarts getopt from scratch */
    opterr = 0;     /* the messages are ours */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct options_spec *spec = spec_of(table, c);

        if (c == '?' || c == ':' || spec == NULL) {
            getopt_error(table, c, argv, err, errlen);
            return -1;
        }
        if (phase == PHASE_CHECK)
            rc = check_form(table, spec, &seen, out, err, errlen);
        else if ((phase == PHASE_FIRST) == ((spec->flags & OPTIONS_FIRST) != 0))
            rc = apply(spec, store, custom, "--", optarg ? optarg : "", err,
                       errlen);
        else
            rc = 0;
        if (rc != 0)
            return rc;
    }
    return optind;
}

int options_parse(const struct options_table *table, void *store,
                  options_custom_fn custom, int argc, char **argv, FILE *out,
                  char *err, size_t errlen)
{
    int rc = 0;

    if (table->count > OPTIONS_MAX) {
        snprintf(err, errlen, "%s has more than %d options", table->program,
                 OPTIONS_MAX);
        return -1;
    }
    for (int phase = PHASE_CHECK; phase <= PHASE_REST && rc >= 0; phase++)
        rc = scan(table, store, custom, (enum phase)phase, argc, argv, out,
                  err, errlen);
    if (rc >= 0 && table->operands_max >= 0 &&
        argc - rc > table->operands_max) {
        snprintf(err, errlen, "unexpected argument '%s'",
                 argv[rc + table->operands_max]);
        rc = -1;
    }
    if (rc == -1)
        parse_escape(err, err, errlen);
    return rc;
}

/* ---- --help ----------------------------------------------------------- */

/* The placeholder of a row's value in --help. */
static const char *placeholder(const struct options_spec *spec)
{
    static const char *const by_kind[] = {
        [OPTIONS_COUNT] = "N", [OPTIONS_DURATION] = "MS",
        [OPTIONS_SECONDS] = "S", [OPTIONS_SIZE] = "BYTES",
        [OPTIONS_TEXT] = "TEXT", [OPTIONS_CUSTOM] = "VALUE",
    };

    if (spec->arg != NULL)
        return spec->arg;
    if (spec->kind == OPTIONS_WORD)
        return spec->words;
    return options_takes_value(spec) ? by_kind[spec->kind] : "";
}

/* Writes text from column HELP_LEFT + 4 on, wrapped at HELP_WIDTH; '\n'
 * in text starts a new line. */
static void print_wrapped(FILE *out, const char *text)
{
    const size_t indent = HELP_LEFT + 4, room = HELP_WIDTH - indent;
    size_t column = 0, word;

    while (*text != '\0') {
        word = strcspn(text, " \n");
        if (column > 0 && column + 1 + word > room) {
            fprintf(out, "\n%*s", (int)indent, "");
            column = 0;
        } else if (column > 0) {
            fputc(' ', out);
            column++;
        }
        fprintf(out, "%.*s", (int)word, text);
        column += word;
        text += word;
        if (*text == '\n') {
            fprintf(out, "\n%*s", (int)indent, "");
            column = 0;
        }
        if (*text != '\0')
            text++;
    }
    fputc('\n', out);
}

/* One row of --help: "  -t, --threads N   help (default X)". */
static void print_row(FILE *out, const struct options_spec *spec)
{
    char left[128], help[512];

    snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
             spec->letter ? '-' : ' ', spec->letter ? spec->letter : ' ',
             spec->letter ? ", " : "  ", spec->name,
             options_takes_value(spec) ? " " : "", placeholder(spec));
    if (spec->section != NULL)
        fprintf(out, "%s\n", spec->section);
    if (strlen(left) > HELP_LEFT)
        fprintf(out, "  %s\n  %-*s  ", left, HELP_LEFT, "");
    else
        fprintf(out, "  %-*s  ", HELP_LEFT, left);
    snprintf(help, sizeof(help), "%s%s%s%s", spec->help,
             spec->initial != NULL ? " (default " : "",
             spec->initial != NULL ? spec->initial : "",
             spec->initial != NULL ? ")" : "");
    print_wrapped(out, help);
}

void options_help(const struct options_table *table, FILE *out)
{
    fprintf(out, "Usage: %s %s\n%s\n\n", table->program, table->usage,
            table->about);
    for (size_t i = 0; i < table->count; i++)
        print_row(out, &table->specs[i]);
    fprintf(out, "\n%s", table->footer);
}
