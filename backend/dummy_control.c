/*
 * dummy_control: parsing and applying the --control commands.
 * See dummy_control.h.
 */
#include "dummy_control.h"

#include <string.h>

#include "count_of.h"
#include "parse.h"

#define CONTROL_WORDS_MAX 32    /* KEY=VALUE pairs in one set, and more */
#define CONTROL_SPACE " \t\r"

/* A key `set` may change; off_value is what "off" stores, or 0 when the
 * key has no "off" (see dummy_options_init for the defaults). */
struct control_key {
    const char *name;
    bool has_off;
    long off_value;
};

/* Each one a row of dummy_options_table; docs/dummy_server.md says which
 * apply to open connections. */
static const struct control_key control_keys[] = {
    { "latency", false, 0 },
    { "jitter", false, 0 },
    { "rate", true, 0 },
    { "hang", false, 0 },
    { "refuse", false, 0 },
    { "close-after-lines", true, DUMMY_OPTIONS_OFF },
    { "reset-after-lines", true, DUMMY_OPTIONS_OFF },
};

static const char control_key_list[] =
    "latency, jitter, rate, hang, refuse, close-after-lines, "
    "reset-after-lines";

static const char control_help[] =
    "ok commands: set KEY=VALUE..., help; keys: latency=MS jitter=MS "
    "rate=BYTES|off hang=0|1 refuse=0|1 close-after-lines=N|off "
    "reset-after-lines=N|off";

void dummy_control_init(struct dummy_control *ctl)
{
    ctl->len = 0;
    ctl->too_long = false;
    ctl->has_nul = false;
}

void dummy_control_feed(struct dummy_control *ctl, const char *data,
                        size_t len, dummy_control_line_fn fn, void *ctx)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            ctl->line[ctl->len] = '\0';
            fn(ctx, ctl->too_long || ctl->has_nul ? NULL : ctl->line);
            dummy_control_init(ctl);
        } else if (data[i] == '\0') {
            ctl->has_nul = true;
        } else if (ctl->len < DUMMY_CONTROL_LINE_MAX) {
            ctl->line[ctl->len++] = data[i];
        } else {
            ctl->too_long = true;
        }
    }
}

void dummy_control_finish(struct dummy_control *ctl, dummy_control_line_fn fn,
                          void *ctx)
{
    if (ctl->len > 0 || ctl->too_long || ctl->has_nul)
        dummy_control_feed(ctl, "\n", 1, fn, ctx);
}

const char *dummy_control_refusal(const struct dummy_control *ctl)
{
    if (!ctl->too_long)
        return "error: a command holds a NUL byte";
    return "error: a command is at most 1024 bytes";
}

static const struct control_key *control_key_find(const char *name)
{
    for (size_t i = 0; i < COUNT_OF(control_keys); i++) {
        if (strcmp(control_keys[i].name, name) == 0)
            return &control_keys[i];
    }
    return NULL;
}

/* The value of spec's field in opts (a bool or a long). */
static long field_get(const struct dummy_options *opts,
                      const struct options_spec *spec)
{
    const char *field = (const char *)opts + spec->offset;
    long value = 0;

    if (spec->size == sizeof(bool))
        return *(const bool *)(const void *)field ? 1 : 0;
    memcpy(&value, field, sizeof(value));
    return value;
}

static void field_put(struct dummy_options *opts,
                      const struct options_spec *spec, long value)
{
    char *field = (char *)opts + spec->offset;

    if (spec->size == sizeof(bool))
        *(bool *)(void *)field = value != 0;
    else
        memcpy(field, &value, sizeof(value));
}

/* Stores one value as its row reads it. Returns 0 or -1 with err. */
static int control_store(struct dummy_options *next,
                         const struct control_key *key, const char *value,
                         char *err, size_t errlen)
{
    const struct options_spec *spec = options_find(&dummy_options_table,
                                                   key->name);

    if (key->has_off && strcmp(value, "off") == 0) {
        field_put(next, spec, key->off_value);
        return 0;
    }
    if (spec->kind == OPTIONS_FLAG) {
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
            snprintf(err, errlen, "%s '%s': must be 0 or 1", key->name, value);
            return -1;
        }
        field_put(next, spec, value[0] == '1');
        return 0;
    }
    if (options_set(&dummy_options_table, next, NULL, key->name, value, err,
                    errlen) == -1) {
        if (key->has_off)   /* the row's words, and the other choice */
            snprintf(err + strlen(err), errlen - strlen(err), ", or off");
        return -1;
    }
    return 0;
}

/* Appends "key=value" as the parsers read it back. */
static void control_describe(const struct dummy_options *next,
                             const struct control_key *key, char *changes,
                             size_t changes_len)
{
    const struct options_spec *spec = options_find(&dummy_options_table,
                                                   key->name);
    long value = field_get(next, spec);
    size_t used = strlen(changes);
    char text[32];

    if (key->has_off && value == key->off_value)
        snprintf(text, sizeof(text), "off");
    else if (spec->kind == OPTIONS_DURATION)
        parse_format_ms(value, text, sizeof(text));
    else if (spec->kind == OPTIONS_SIZE)
        parse_format_size(value, text, sizeof(text));
    else
        snprintf(text, sizeof(text), "%ld", value);
    snprintf(changes + used, changes_len - used, "%s%s=%s",
             used > 0 ? " " : "", key->name, text);
}

/* Applies one "KEY=VALUE" word to next. Returns the key, or NULL with
 * err. */
static const struct control_key *control_pair(struct dummy_options *next,
                                              char *word, char *err,
                                              size_t errlen)
{
    char *equals = strchr(word, '=');
    const struct control_key *key;

    if (equals == NULL) {
        snprintf(err, errlen, "'%s': write KEY=VALUE", word);
        return NULL;
    }
    *equals = '\0';
    key = control_key_find(word);
    if (key == NULL && options_find(&dummy_options_table, word) != NULL)
        snprintf(err, errlen, "'%s' cannot change while running; keys: %s",
                 word, control_key_list);
    else if (key == NULL)
        snprintf(err, errlen, "unknown key '%s'; keys: %s", word,
                 control_key_list);
    else if (control_store(next, key, equals + 1, err, errlen) == 0)
        return key;
    return NULL;
}

/* `set` with its words: all applied to a copy, checked, then kept.
 * Returns 0 or -1 with err. */
static int control_set(struct dummy_options *live, char **words, int count,
                       char *changes, size_t changes_len, char *err,
                       size_t errlen)
{
    const struct control_key *given[CONTROL_WORDS_MAX];
    struct dummy_options next = *live;

    if (count == 0) {
        snprintf(err, errlen, "set needs KEY=VALUE; keys: %s",
                 control_key_list);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        given[i] = control_pair(&next, words[i], err, errlen);
        if (given[i] == NULL)
            return -1;
        for (int j = 0; j < i; j++) {
            if (given[j] == given[i]) {
                snprintf(err, errlen, "%s is given twice", given[i]->name);
                return -1;
            }
        }
    }
    if (dummy_options_check(&next, "", err, errlen) == -1)
        return -1;
    changes[0] = '\0';
    for (int i = 0; i < count; i++)
        control_describe(&next, given[i], changes, changes_len);
    *live = next;
    return 0;
}

/* Cuts line (in place) into words. Returns their count, or -1 when there
 * are more than max. */
static int control_split(char *line, char **words, int max)
{
    int count = 0;
    char *rest = NULL;

    for (char *word = strtok_r(line, CONTROL_SPACE, &rest); word != NULL;
         word = strtok_r(NULL, CONTROL_SPACE, &rest)) {
        if (count == max)
            return -1;
        words[count++] = word;
    }
    return count;
}

enum dummy_control_result dummy_control_run(struct dummy_options *live,
                                            const char *line, char *reply,
                                            size_t reply_len, char *changes,
                                            size_t changes_len)
{
    char copy[DUMMY_CONTROL_LINE_MAX + 1];
    char *words[CONTROL_WORDS_MAX + 1];
    char err[DUMMY_CONTROL_REPLY_MAX];
    int count;

    snprintf(copy, sizeof(copy), "%s", line);
    count = control_split(copy, words, CONTROL_WORDS_MAX + 1);
    if (count == 0)
        return DUMMY_CONTROL_BLANK;
    if (count == -1)
        snprintf(err, sizeof(err), "at most %d KEY=VALUE in one set",
                 CONTROL_WORDS_MAX);
    else if (strcmp(words[0], "help") == 0 && count == 1) {
        snprintf(reply, reply_len, "%s", control_help);
        return DUMMY_CONTROL_REPLIED;
    } else if (strcmp(words[0], "help") == 0)
        snprintf(err, sizeof(err), "help takes nothing after it");
    else if (strcmp(words[0], "set") != 0)
        snprintf(err, sizeof(err), "unknown command '%s'; commands: set "
                 "KEY=VALUE..., help", words[0]);
    else if (control_set(live, words + 1, count - 1, changes, changes_len,
                         err, sizeof(err)) == 0) {
        snprintf(reply, reply_len, "ok");
        return DUMMY_CONTROL_CHANGED;
    }
    snprintf(reply, reply_len, "error: %s", err);
    parse_escape(reply, reply, reply_len);
    return DUMMY_CONTROL_REPLIED;
}
