/*
 * log: formats logfmt event lines and writes each with one write(2), or
 * collects them in the thread's buffer. See log.h for the contract. No
 * state of its own: thread-safe as long as each buffer has one thread.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "count_of.h"
#include "log_sink.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_init(struct logger *lg, int fd, enum log_level level)
{
    lg->fd = fd;
    lg->level = level;
    lg->buffer = NULL;
    lg->sink = NULL;
    snprintf(lg->thread, sizeof(lg->thread), "main");
}

void log_sink_attach(struct logger *lg, struct log_sink *sink)
{
    lg->sink = sink;
}

void log_fork(struct logger *child, const struct logger *parent,
              const char *thread)
{
    *child = *parent;
    child->buffer = NULL;
    snprintf(child->thread, sizeof(child->thread), "%s", thread);
}

void log_buffer_attach(struct logger *lg, struct log_buffer *buffer)
{
    buffer->len = 0;
    lg->buffer = buffer;
}

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < COUNT_OF(level_names); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *log_errno_name(int err)
{
    const char *name = strerrorname_np(err);

    return name != NULL ? name : "unknown";
}

const char *log_level_name(enum log_level level)
{
    if ((unsigned)level >= COUNT_OF(level_names))
        return "?";
    return level_names[level];
}

/*
 * Cuts an overlong line back to the last space outside a quoted value that
 * fits, so that no key=value pair is split and the line stays valid
 * logfmt, and marks it. Returns the new length.
 */
static size_t truncate_line(char *line, size_t cap)
{
    static const char mark[] = " trunc=1";
    size_t limit = cap - sizeof(mark) - 1, cut = 0;
    bool quoted = false;

    for (size_t i = 0; i <= limit; i++) {
        if (line[i] == '\\' && quoted)
            i++;
        else if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ' ' && !quoted)
            cut = i;
    }
    memcpy(line + cut, mark, sizeof(mark) - 1);
    return cut + sizeof(mark) - 1;
}

void log_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Hands whole lines to the sink, or writes them to the fd itself. An
 * urgent one (warn or error) is not held back by a lingering sink. */
static void emit(const struct logger *lg, const char *lines, size_t len,
                 bool urgent)
{
    if (lg->sink != NULL)
        log_sink_write(lg->sink, lines, len, urgent);
    else
        log_write_all(lg->fd, lines, len);
}

static void flush_buffer(const struct logger *lg, bool urgent)
{
    struct log_buffer *b = lg->buffer;

    if (b != NULL && b->len > 0) {
        emit(lg, b->data, b->len, urgent);
        b->len = 0;
    }
}

void log_flush(const struct logger *lg)
{
    flush_buffer(lg, false);
}

void log_drain(const struct logger *lg, int wait_ms)
{
    log_flush(lg);
    if (lg->sink != NULL)
        log_sink_drain(lg->sink, wait_ms);
}

/* Appends a whole line to lg's buffer, writing out what was there first
 * when it would not fit: every write stays within LOG_LINE_MAX. */
static void buffer_line(const struct logger *lg, const char *line,
                        size_t len)
{
    struct log_buffer *b = lg->buffer;

    if (b->len + len > sizeof(b->data))
        log_flush(lg);
    memcpy(b->data + b->len, line, len);
    b->len += len;
}

/* Formats the line "ts=... lvl=... thr=... ev=... fields\n" into line
 * (LOG_LINE_MAX bytes). Returns its length, newline included. */
static size_t format_line_v(char *line, size_t cap, enum log_level level,
                            const char *thread, const char *ev,
                            const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static size_t format_line_v(char *line, size_t cap, enum log_level level,
                            const char *thread, const char *ev,
                            const char *fmt, va_list ap)
{
    uint64_t ns = clock_now_ns();
    size_t len;
    int n;

    /* Whole microseconds, in integers: no floating-point formatting on
     * every line (the simulator writes ts= the same way). */
    n = snprintf(line, cap, "ts=%llu.%06llu lvl=%s thr=%s ev=%s",
                 (unsigned long long)(ns / 1000000000u),
                 (unsigned long long)(ns / 1000u % 1000000u),
                 log_level_name(level), thread, ev);
    len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    if (fmt != NULL && fmt[0] != '\0' && len + 1 < cap) {
        line[len++] = ' ';
        n = vsnprintf(line + len, cap - len, fmt, ap);
        if (n < 0)
            n = 0;
        len += (size_t)n;
    }
    /* Keep one byte for the newline. */
    if (len >= cap - 1)
        len = truncate_line(line, cap - 1);
    line[len++] = '\n';
    return len;
}

size_t log_format_line(char *line, size_t cap, enum log_level level,
                       const char *thread, const char *ev,
                       const char *fmt, ...)
{
    va_list ap;
    size_t len;

    va_start(ap, fmt);
    len = format_line_v(line, cap, level, thread, ev, fmt, ap);
    va_end(ap);
    return len;
}

void log_event(const struct logger *lg, enum log_level level, const char *ev,
               const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    size_t len;

    if (!log_enabled(lg, level))
        return;
    va_start(ap, fmt);
    len = format_line_v(line, sizeof(line), level, lg->thread, ev, fmt, ap);
    va_end(ap);
    if (lg->buffer == NULL) {
        emit(lg, line, len, level <= LOG_WARN);
        return;
    }
    buffer_line(lg, line, len);
    if (level <= LOG_WARN)
        flush_buffer(lg, true);
}
