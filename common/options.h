/*
 * options: the command line, config-file settings and --help of every
 * program, driven by one table per program.
 *
 * A table row (struct options_spec) says everything about one option: its
 * long name, short letter, value kind and range, default, help text and the
 * field it is stored in. From the table this module builds getopt_long's
 * arguments, reads and checks each value, stores it, words every error the
 * same way in every program, and prints --help. The tables are plain data
 * (no function pointers), so another program can read them: the harness
 * checks a scenario's proxy and backend options against the proxy's and
 * dummy_server's own rows (scenario.c).
 *
 * The same mistake gets the same words everywhere ("--" before the name on
 * a command line, none in a file or a scenario):
 *
 *     unknown option '--bogus'            unknown option '-x'
 *     option '--threads' needs a value    option '--help' takes no value
 *     --threads 'x': must be a whole number from 1 to 256
 *     --latency '2h': must be a duration from 0ms to 60m, like 500ms or 2s
 *     --rate '0': must be a size from 1 to 1G bytes, like 512, 4k or 1M
 *     --mode 'tcp': must be line or echo
 *     --host '': must not be empty
 *     --latency is given twice            unexpected argument 'stray'
 *
 * A repeated option: programs that read options only from their command
 * line refuse a second value (it would override the first unseen; a flag
 * given twice changes nothing); the proxy, whose command line overrides
 * its config file, takes the last (getopt's convention). The table says
 * which (enum options_repeat).
 *
 * Parsing never exits and prints only --help and --version. It uses
 * getopt_long, whose state is global: one thread at a time.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How the text of an option is read and stored. */
enum options_kind {
    OPTIONS_FLAG,       /* no value: sets a bool */
    OPTIONS_COUNT,      /* decimal integer in [min, max] (parse_long) */
    OPTIONS_DURATION,   /* ms: 500, 500ms, 1.5s, 2m (parse_duration_ms) */
    OPTIONS_SECONDS,    /* a duration, but a bare number counts seconds */
    OPTIONS_SIZE,       /* bytes: 512, 4k, 1M (parse_size) */
    OPTIONS_WORD,       /* one of words: stores its index (an enum) */
    OPTIONS_TEXT,       /* any non-empty text: stores a pointer to it */
    OPTIONS_CUSTOM,     /* read by the caller's options_custom_fn */
    OPTIONS_HELP,       /* prints --help; parsing ends */
    OPTIONS_VERSION     /* prints the version; parsing ends */
};

/* Flags of a row. */
#define OPTIONS_REPEATS  1u     /* each occurrence applies (proxy -b) */
#define OPTIONS_FIRST    2u     /* applied before every other option */
#define OPTIONS_CLI_ONLY 4u     /* not a setting of a config file */
#define OPTIONS_OWN_WORDS 8u    /* custom errors are whole ("file:3: why"):
                                 * no "--name: " before them */

/* One option. Numbers of every kind are stored as the field's size says:
 * a bool (1 byte, stores value != 0), an int or a long. */
struct options_spec {
    const char *name;       /* long name, without "--" */
    int letter;             /* short option, 0: none */
    enum options_kind kind;
    long min;               /* numeric kinds: the range */
    long max;
    const char *words;      /* OPTIONS_WORD: "line|echo" */
    const char *arg;        /* --help's placeholder; NULL: by kind */
    const char *help;       /* '\n' starts a new line in --help */
    const char *initial;    /* the default as text (NULL: set by code) */
    unsigned flags;         /* OPTIONS_REPEATS ... */
    const char *section;    /* a heading --help prints before this row */
    size_t offset;          /* of the field in the program's struct */
    size_t size;            /* of the field; 0: stores nothing */
};

/* The last rows of every program's table: -h/--help and -V/--version. */
#define OPTIONS_HELP_ROWS \
    { "help", 'h', OPTIONS_HELP, .help = "show this help and exit" }, \
    { "version", 'V', OPTIONS_VERSION, .help = "show the version and exit" }

/* Fills a row's offset and size from a struct member. */
#define OPTIONS_FIELD(type, member) \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* What a second value for the same option means. */
enum options_repeat {
    OPTIONS_ONCE,           /* an error */
    OPTIONS_LAST_WINS       /* it replaces the first */
};

/* A program's options and the text around them in --help. */
struct options_table {
    const char *program;    /* "dummy_server" */
    const char *usage;      /* after the name: "[OPTION]... [PORT]" */
    const char *about;      /* what the program does, before the options */
    const char *footer;     /* after the options: rules, exit status */
    const struct options_spec *specs;
    size_t count;           /* at most OPTIONS_MAX */
    enum options_repeat repeat;
    int operands_max;       /* arguments that are not options; -1: any */
};

#define OPTIONS_MAX 64

/* Fills a table's specs and count from an array of rows. */
#define OPTIONS_ROWS(array) \
    .specs = (array), .count = sizeof(array) / sizeof((array)[0])

/* options_parse's result when --help or --version was printed. */
#define OPTIONS_EXIT (-2)

/*
 * Applies an OPTIONS_CUSTOM row's value to store. Returns 0, or -1 with
 * the reason in err (options prefixes the option's name).
 */
typedef int (*options_custom_fn)(void *store, const struct options_spec *spec,
                                 const char *value, char *err, size_t errlen);

/* Stores every row's initial value into store (custom rows through
 * custom, which may be NULL when no custom row has one). */
void options_defaults(const struct options_table *table, void *store,
                      options_custom_fn custom);

/*
 * Parses argv over store. First every option's form is checked in order
 * (known, with a value when it needs one, given once unless the table lets
 * the last win); --help or --version there prints to out and returns
 * OPTIONS_EXIT at once. Then the OPTIONS_FIRST rows are applied, then the
 * others in order. Returns the index of the first operand (argc when none;
 * argv is permuted so that operands come last), or -1 with one line in err
 * (control bytes of the input shown as \xNN).
 */
int options_parse(const struct options_table *table, void *store,
                  options_custom_fn custom, int argc, char **argv, FILE *out,
                  char *err, size_t errlen);

/*
 * Applies the setting "name value" of a config file (value "" for a flag).
 * Returns 0, or -1 with err: "unknown setting 'name'" for no row or a
 * command-line-only one, else as options_parse without "--".
 */
int options_set(const struct options_table *table, void *store,
                options_custom_fn custom, const char *name, const char *value,
                char *err, size_t errlen);

/* The row called name, or NULL. */
const struct options_spec *options_find(const struct options_table *table,
                                        const char *name);

/*
 * Reads text as a value of a numeric or word row into *number (a word's
 * index). Returns 0, or -1 with "PREFIXNAME 'TEXT': must be ..." in err
 * (prefix "--" on a command line, "" in a file).
 */
int options_read(const struct options_spec *spec, const char *prefix,
                 const char *text, long *number, char *err, size_t errlen);

/* Whether a row takes a value. */
bool options_takes_value(const struct options_spec *spec);

/* Writes the --help text generated from the table to out. */
void options_help(const struct options_table *table, FILE *out);

#endif
