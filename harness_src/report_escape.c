/*
 * report_escape: XML/HTML and JSON escaping, and UTF-8 widths, for the
 * reports (see report_escape.h). Stateless.
 */
#include "report_escape.h"

#include <stdbool.h>

#define REPLACEMENT "\xEF\xBF\xBD"  /* U+FFFD in UTF-8 */

static bool is_continuation(unsigned char byte)
{
    return (byte & 0xC0) == 0x80;
}

/* Overlong forms and surrogates are refused so that the output is strict
 * UTF-8 that every JSON and XML parser accepts. */
size_t report_escape_utf8_len(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t len;
    unsigned long code;

    if (p[0] == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2;
        code = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3;
        code = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4;
        code = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (!is_continuation(p[i]))
            return 0;
        code = code << 6 | (p[i] & 0x3F);
    }
    if ((len == 3 && code < 0x800) || (len == 4 && code < 0x10000) ||
        (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
        return 0;
    return len;
}

size_t report_escape_width(const char *text)
{
    size_t width = 0;

    while (*text != '\0') {
        size_t len = report_escape_utf8_len(text);

        text += len > 0 ? len : 1;
        width++;
    }
    return width;
}

/* Writes the character at *text (valid or not) unescaped; returns its
 * length in bytes. */
static size_t put_char(FILE *out, const char *text)
{
    size_t len = report_escape_utf8_len(text);

    if (len == 0) {
        fputs(REPLACEMENT, out);
        return 1;
    }
    fwrite(text, 1, len, out);
    return len;
}

size_t report_escape_put_char(FILE *out, const char *text)
{
    unsigned char byte = (unsigned char)*text;

    if (byte == 0)
        return 0;
    /* An escape sequence from a log must not drive the terminal. */
    if (byte < 0x20 || byte == 0x7F) {
        fputc(' ', out);
        return 1;
    }
    return put_char(out, text);
}

static const char *xml_entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    /* As references so that attribute normalisation keeps them. */
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    default: return NULL;
    }
}

void report_escape_xml(FILE *out, const char *text)
{
    while (*text != '\0') {
        const char *entity = xml_entity(*text);
        unsigned char byte = (unsigned char)*text;

        if (entity != NULL) {
            fputs(entity, out);
            text++;
        } else if (byte < 0x20 || byte == 0x7F) {
            fputs(REPLACEMENT, out);
            text++;
        } else {
            text += put_char(out, text);
        }
    }
}

static const char *json_escape(char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return NULL;
    }
}

void report_escape_json(FILE *out, const char *text)
{
    fputc('"', out);
    while (*text != '\0') {
        const char *escape = json_escape(*text);
        unsigned char byte = (unsigned char)*text;

        if (escape != NULL) {
            fputs(escape, out);
            text++;
        } else if (byte < 0x20 || byte == 0x7F) {
            /* DEL is legal JSON but YAML wants it escaped. */
            fprintf(out, "\\u%04x", byte);
            text++;
        } else {
            text += put_char(out, text);
        }
    }
    fputc('"', out);
}
