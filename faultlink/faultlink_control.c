/*
 * faultlink_control: splits a command into words and runs it on the
 * table. See faultlink_control.h.
 */
#include "faultlink_control.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

#define CONTROL_HELP \
    "ok commands: add KIND [KEY=VALUE...] [direction=up|down|both] " \
    "[toxicity=P]; remove KIND [direction=up|down|both]; remove all; list; " \
    "help; kinds: latency latency=D jitter=D, bandwidth rate=BYTES, slicer " \
    "size=BYTES delay=D, slow-close delay=D, timeout after=D, reset after=D " \
    "or bytes=N, limit-data bytes=N, blackhole, refuse, syn-drop"

/* Splits line on spaces and tabs. Returns the number of words, or -1 when
 * there are more than max. */
static int split_words(char *line, char **words, int max)
{
    int count = 0;

    for (char *word = strtok(line, " \t\r"); word != NULL;
         word = strtok(NULL, " \t\r")) {
        if (count == max)
            return -1;
        words[count++] = word;
    }
    return count;
}

/* "up", "down" or "both" for a mask. */
static const char *dirs_name(unsigned dirs)
{
    if (dirs == FAULTLINK_BOTH)
        return "both";
    return dirs & (1u << FAULTLINK_UP) ? "up" : "down";
}

static int run_add(struct faultlink_faults *faults, char **words, int count,
                   char *reply, size_t replylen)
{
    struct faultlink_fault fault;
    char err[256], keys[256];

    if (faultlink_fault_parse(words, count, &fault, err, sizeof(err)) == -1) {
        snprintf(reply, replylen, "error: %s", err);
        return -1;
    }
    faultlink_faults_add(faults, &fault);
    if (faultlink_kind_of_listener(fault.kind))
        snprintf(reply, replylen, "ok added %s %s",
                 faultlink_kind_name(fault.kind),
                 faultlink_fault_format(&fault, keys, sizeof(keys)));
    else
        snprintf(reply, replylen, "ok added %s direction=%s %s",
                 faultlink_kind_name(fault.kind), dirs_name(fault.dirs),
                 faultlink_fault_format(&fault, keys, sizeof(keys)));
    return 1;
}

static int run_remove(struct faultlink_faults *faults, char **words,
                      int count, char *reply, size_t replylen)
{
    enum faultlink_kind kind;
    unsigned dirs = FAULTLINK_BOTH;
    int removed = 0;

    if (count == 1 && strcmp(words[0], "all") == 0) {
        for (int k = 0; k < FAULTLINK_KINDS; k++)
            removed += faultlink_faults_remove(faults, (enum faultlink_kind)k,
                                               FAULTLINK_BOTH);
        snprintf(reply, replylen, "ok removed %d", removed);
        return 1;
    }
    if (count < 1 || count > 2 || strcmp(words[0], "all") == 0) {
        snprintf(reply, replylen, "error: remove takes KIND [direction=up|"
                 "down|both], or all alone");
        return -1;
    }
    if (faultlink_kind_parse(words[0], &kind) == -1) {
        snprintf(reply, replylen, "error: unknown kind '%.64s'", words[0]);
        return -1;
    }
    if (count == 2 && (strncmp(words[1], "direction=", 10) != 0 ||
                       faultlink_dirs_parse(words[1] + 10, &dirs) == -1)) {
        snprintf(reply, replylen, "error: '%.64s': must be direction=up, "
                 "direction=down or direction=both", words[1]);
        return -1;
    }
    removed = faultlink_faults_remove(faults, kind, dirs);
    snprintf(reply, replylen, "ok removed %d", removed);
    return 1;
}

/* list: every slot on, "KIND DIR keys; ..." */
static int run_list(const struct faultlink_faults *faults, char *reply,
                    size_t replylen)
{
    size_t len;
    int on = 0;

    len = (size_t)snprintf(reply, replylen, "ok");
    for (int k = 0; k < FAULTLINK_KINDS; k++) {
        for (int dir = 0; dir < FAULTLINK_DIRS; dir++) {
            char keys[256];

            if (!faults->on[k][dir])
                continue;
            faultlink_fault_format(&faults->fault[k][dir], keys, sizeof(keys));
            if (faultlink_kind_of_listener((enum faultlink_kind)k))
                len += (size_t)snprintf(reply + len, len < replylen ?
                                        replylen - len : 0, "%s %s %s",
                                        on ? ";" : "", faultlink_kind_name(
                                        (enum faultlink_kind)k), keys);
            else
                len += (size_t)snprintf(reply + len, len < replylen ?
                                        replylen - len : 0,
                                        "%s %s direction=%s %s",
                                        on ? ";" : "", faultlink_kind_name(
                                        (enum faultlink_kind)k),
                                        faultlink_dir_name((enum faultlink_dir)dir),
                                        keys);
            on++;
        }
    }
    if (on == 0)
        snprintf(reply, replylen, "ok no faults");
    return 1;
}

int faultlink_control_run(struct faultlink_faults *faults, char *line,
                          char *reply, size_t replylen)
{
    char *words[FAULTLINK_CONTROL_WORDS_MAX];
    int count = split_words(line, words, FAULTLINK_CONTROL_WORDS_MAX);
    int rc;

    reply[0] = '\0';
    if (count == 0)
        return 0;
    if (count == -1) {
        snprintf(reply, replylen, "error: more than %d words",
                 FAULTLINK_CONTROL_WORDS_MAX);
        return -1;
    }
    if (strcmp(words[0], "add") == 0)
        rc = run_add(faults, words + 1, count - 1, reply, replylen);
    else if (strcmp(words[0], "remove") == 0)
        rc = run_remove(faults, words + 1, count - 1, reply, replylen);
    else if (strcmp(words[0], "list") == 0 && count == 1)
        rc = run_list(faults, reply, replylen);
    else if (strcmp(words[0], "help") == 0 && count == 1)
        rc = (snprintf(reply, replylen, "%s", CONTROL_HELP), 1);
    else if (strcmp(words[0], "list") == 0 || strcmp(words[0], "help") == 0)
        rc = (snprintf(reply, replylen, "error: %s takes no arguments",
                       words[0]), -1);
    else
        rc = (snprintf(reply, replylen, "error: unknown command '%.64s' "
                       "(add, remove, list, help)", words[0]), -1);
    /* The reply quotes the user's words: no control byte may pass. */
    parse_escape(reply, reply, replylen);
    return rc;
}
