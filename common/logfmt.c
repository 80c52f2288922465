/*
 * logfmt: parser and quoting for logfmt lines. See logfmt.h.
 */
#include "logfmt.h"

#include <stdbool.h>
#include <string.h>

static bool is_bare_byte(char c)
{
    return c != ' ' && c != '"' && c != '=' && c != '\\' &&
           (unsigned char)c >= 0x21 && c != 0x7f;
}

const char *logfmt_quote(const char *value, char *buf, size_t size)
{
    size_t out = 0;
    bool bare = value[0] != '\0';

    for (const char *p = value; *p != '\0' && bare; p++)
        bare = is_bare_byte(*p);
    if (bare || size < 3)
        return value;
    buf[out++] = '"';
    for (const char *p = value; *p != '\0'; p++) {
        char c = *p == '\n' ? 'n' : *p;
        bool escape = *p == '"' || *p == '\\' || *p == '\n';

        /* Leave room for an escape pair, the closing quote and the NUL. */
        if (out + (escape ? 2 : 1) + 2 > size)
            break;
        if (escape)
            buf[out++] = '\\';
        buf[out++] = c;
    }
    buf[out++] = '"';
    buf[out] = '\0';
    return buf;
}

/* Unescapes a quoted value that starts after its opening quote; returns the
 * byte after the closing quote, or NULL when the quote is never closed. */
static char *parse_quoted(char *p, char **value)
{
    char *out = p;

    *value = p;
    for (; *p != '"'; p++) {
        if (*p == '\0' || *p == '\n')
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p != '"' && *p != '\\' && *p != 'n')
                return NULL;
            *out++ = *p == 'n' ? '\n' : *p;
            continue;
        }
        *out++ = *p;
    }
    *out = '\0';
    return p + 1;
}

/* Skips a bare token (a key stops at '=' too); returns the byte after it,
 * or NULL when it holds a quote. */
static char *skip_bare(char *p, bool is_key)
{
    while (*p != '\0' && *p != ' ' && *p != '\n' && !(is_key && *p == '=')) {
        if (*p == '"')
            return NULL;
        p++;
    }
    return p;
}

/* Parses the value after "key=" at p; returns the byte after it, or NULL. */
static char *parse_value(char *p, char **value)
{
    if (*p != '"') {
        *value = p;
        return skip_bare(p, false);
    }
    p = parse_quoted(p + 1, value);
    if (p == NULL || (*p != ' ' && *p != '\0' && *p != '\n'))
        return NULL;
    return p;
}

int logfmt_parse(char *line, struct logfmt_pair *pairs, int max)
{
    int count = 0;
    char *p = line;

    for (;;) {
        char *key, *value;

        while (*p == ' ')
            *p++ = '\0';
        if (*p == '\0' || (*p == '\n' && p[1] == '\0'))
            return count;
        if (count == max || *p == '=' || *p == '"')
            return -1;
        key = p;
        if ((p = skip_bare(p, true)) == NULL)
            return -1;
        value = p;      /* a bare key: its separator becomes "" */
        if (*p == '=') {
            *p++ = '\0';
            if ((p = parse_value(p, &value)) == NULL)
                return -1;
        }
        /* Only a final newline is allowed. */
        if (*p == '\n' && p[1] != '\0')
            return -1;
        if (*p == '\n')
            *p = '\0';
        pairs[count].key = key;
        pairs[count].value = value;
        count++;
    }
}

const char *logfmt_get(const struct logfmt_pair *pairs, int count,
                       const char *key)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].value;
    }
    return NULL;
}
