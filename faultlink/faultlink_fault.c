/*
 * faultlink_fault: kinds, keys, the words of "add" and the toxicity draw.
 * See faultlink_fault.h.
 */
#include "faultlink_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_of.h"
#include "parse.h"
#include "rng.h"

/* How a key's value is read. */
enum key_type { KEY_DURATION, KEY_SIZE };

/* One key of a kind: its name and the field of struct faultlink_fault. */
struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    long min;
};

#define FIELD(member) offsetof(struct faultlink_fault, member)

static const struct key latency_key = { "latency", KEY_DURATION, FIELD(latency_ms), 0 };
static const struct key jitter_key = { "jitter", KEY_DURATION, FIELD(jitter_ms), 0 };
static const struct key rate_key = { "rate", KEY_SIZE, FIELD(rate), 1 };
static const struct key size_key = { "size", KEY_SIZE, FIELD(size), 1 };
static const struct key delay_key = { "delay", KEY_DURATION, FIELD(delay_ms), 0 };
static const struct key after_key = { "after", KEY_DURATION, FIELD(after_ms), 0 };
static const struct key bytes_key = { "bytes", KEY_SIZE, FIELD(bytes), 0 };

#define KEYS_MAX 2

/* A kind: its name, its keys, and which of them must be given: all of
 * `required` (a mask over keys), or exactly one when one_of is set. */
struct kind_info {
    const char *name;
    const struct key *keys[KEYS_MAX];
    unsigned required;
    bool one_of;
};

static const struct kind_info kinds[FAULTLINK_KINDS] = {
    [FAULTLINK_LATENCY] = { "latency", { &latency_key, &jitter_key }, 1u, false },
    [FAULTLINK_BANDWIDTH] = { "bandwidth", { &rate_key, NULL }, 1u, false },
    [FAULTLINK_SLICER] = { "slicer", { &size_key, &delay_key }, 1u, false },
    [FAULTLINK_SLOW_CLOSE] = { "slow-close", { &delay_key, NULL }, 1u, false },
    [FAULTLINK_TIMEOUT] = { "timeout", { &after_key, NULL }, 1u, false },
    [FAULTLINK_RESET] = { "reset", { &after_key, &bytes_key }, 3u, true },
    [FAULTLINK_LIMIT_DATA] = { "limit-data", { &bytes_key, NULL }, 1u, false },
    [FAULTLINK_BLACKHOLE] = { "blackhole", { NULL, NULL }, 0u, false },
    [FAULTLINK_REFUSE] = { "refuse", { NULL, NULL }, 0u, false },
    [FAULTLINK_SYN_DROP] = { "syn-drop", { NULL, NULL }, 0u, false },
};

const char *faultlink_kind_name(enum faultlink_kind kind)
{
    return kinds[kind].name;
}

const char *faultlink_dir_name(enum faultlink_dir dir)
{
    return dir == FAULTLINK_UP ? "up" : "down";
}

bool faultlink_kind_of_listener(enum faultlink_kind kind)
{
    return kind == FAULTLINK_REFUSE || kind == FAULTLINK_SYN_DROP;
}

int faultlink_kind_parse(const char *name, enum faultlink_kind *kind)
{
    for (size_t i = 0; i < COUNT_OF(kinds); i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *kind = (enum faultlink_kind)i;
            return 0;
        }
    }
    return -1;
}

int faultlink_dirs_parse(const char *name, unsigned *dirs)
{
    if (strcmp(name, "up") == 0)
        *dirs = 1u << FAULTLINK_UP;
    else if (strcmp(name, "down") == 0)
        *dirs = 1u << FAULTLINK_DOWN;
    else if (strcmp(name, "both") == 0)
        *dirs = FAULTLINK_BOTH;
    else
        return -1;
    return 0;
}

/* A probability: "0", "1", "0.25" (digits, at most one '.', 0..1). */
static int parse_toxicity(const char *text, double *out)
{
    char *end;
    double value;

    if (text[0] < '0' || text[0] > '9' || strspn(text, "0123456789.") !=
        strlen(text) || strchr(text, '.') != strrchr(text, '.'))
        return -1;
    value = strtod(text, &end);
    if (*end != '\0' || value < 0.0 || value > 1.0)
        return -1;
    *out = value;
    return 0;
}

/* The keys of a kind, listed for an error message. */
static const char *key_list(const struct kind_info *info, char *buf,
                            size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < KEYS_MAX && info->keys[i] != NULL; i++)
        len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
                                "%s%s", i ? ", " : "", info->keys[i]->name);
    if (len == 0)
        snprintf(buf, size, "none");
    return buf;
}

/* Reads one key=value of a kind's own keys. Returns the key's index, or
 * -1 with err. */
static int parse_key(const struct kind_info *info, const char *key,
                     const char *value, struct faultlink_fault *fault,
                     char *err, size_t errlen)
{
    char keys[64];
    long number;
    int rc;

    for (int i = 0; i < KEYS_MAX && info->keys[i] != NULL; i++) {
        const struct key *k = info->keys[i];

        if (strcmp(k->name, key) != 0)
            continue;
        if (k->type == KEY_DURATION)
            rc = parse_duration_ms(value, k->min, FAULTLINK_DELAY_MAX_MS, &number);
        else
            rc = parse_size(value, k->min, FAULTLINK_SIZE_MAX, &number);
        if (rc == -1) {
            snprintf(err, errlen, "%s: %s '%.64s': must be %s", info->name,
                     key, value, k->type == KEY_DURATION ?
                     "a duration from 0ms to 60m, like 500ms or 2s" :
                     k->min ? "a size from 1 to 1G bytes, like 512, 4k or 1M" :
                     "a size from 0 to 1G bytes, like 512, 4k or 1M");
            return -1;
        }
        memcpy((char *)fault + k->offset, &number, sizeof(number));
        return i;
    }
    snprintf(err, errlen, "%s: unknown key '%.64s' (keys: %s, direction, "
             "toxicity)", info->name, key, key_list(info, keys, sizeof(keys)));
    return -1;
}

/* Reads direction= or toxicity=. Returns 1 when it was one of them, 0
 * when not, -1 with err. */
static int parse_common(const struct kind_info *info, const char *key,
                        const char *value, struct faultlink_fault *fault,
                        char *err, size_t errlen)
{
    bool listener = faultlink_kind_of_listener(fault->kind);

    if (strcmp(key, "direction") == 0) {
        if (listener) {
            snprintf(err, errlen, "%s: direction does not apply (it acts "
                     "on new connections)", info->name);
            return -1;
        }
        if (faultlink_dirs_parse(value, &fault->dirs) == -1) {
            snprintf(err, errlen, "direction '%.64s': must be up, down or "
                     "both", value);
            return -1;
        }
        return 1;
    }
    if (strcmp(key, "toxicity") != 0)
        return 0;
    if (fault->kind == FAULTLINK_SYN_DROP) {
        snprintf(err, errlen, "syn-drop: toxicity does not apply (it acts "
                 "on the whole listener)");
        return -1;
    }
    if (parse_toxicity(value, &fault->toxicity) == -1) {
        snprintf(err, errlen, "toxicity '%.64s': must be a number from 0 "
                 "to 1, like 0.5", value);
        return -1;
    }
    return 1;
}

/* Checks that the keys a kind needs were given (mask `given`). */
static int check_required(const struct kind_info *info, unsigned given,
                          char *err, size_t errlen)
{
    char keys[64];

    if (info->one_of && (given == 0 || given == info->required)) {
        snprintf(err, errlen, "%s: give exactly one of %s", info->name,
                 key_list(info, keys, sizeof(keys)));
        return -1;
    }
    if (!info->one_of && (given & info->required) != info->required) {
        snprintf(err, errlen, "%s: %s= is missing", info->name,
                 info->keys[0]->name);
        return -1;
    }
    return 0;
}

/* Starts a fault of kind with nothing set. */
static void fault_clear(struct faultlink_fault *fault, enum faultlink_kind kind)
{
    fault->kind = kind;
    fault->dirs = faultlink_kind_of_listener(kind) ? 1u << FAULTLINK_UP
                                                   : FAULTLINK_BOTH;
    fault->toxicity = 1.0;
    fault->latency_ms = fault->jitter_ms = FAULTLINK_UNSET;
    fault->rate = fault->size = fault->delay_ms = FAULTLINK_UNSET;
    fault->after_ms = fault->bytes = FAULTLINK_UNSET;
}

int faultlink_fault_parse(char *const *words, int count,
                          struct faultlink_fault *fault, char *err,
                          size_t errlen)
{
    const struct kind_info *info;
    enum faultlink_kind kind;
    unsigned given = 0;

    if (count < 1) {
        snprintf(err, errlen, "a kind is missing (latency, bandwidth, "
                 "slicer, slow-close, timeout, reset, limit-data, blackhole, "
                 "refuse, syn-drop)");
        return -1;
    }
    if (faultlink_kind_parse(words[0], &kind) == -1) {
        snprintf(err, errlen, "unknown kind '%.64s' (latency, bandwidth, "
                 "slicer, slow-close, timeout, reset, limit-data, blackhole, "
                 "refuse, syn-drop)", words[0]);
        return -1;
    }
    info = &kinds[kind];
    fault_clear(fault, kind);
    for (int i = 1; i < count; i++) {
        char key[32];
        const char *eq = strchr(words[i], '=');
        size_t len = eq ? (size_t)(eq - words[i]) : 0;
        int rc;

        if (eq == NULL || len == 0 || len >= sizeof(key)) {
            snprintf(err, errlen, "'%.64s': must be KEY=VALUE", words[i]);
            return -1;
        }
        memcpy(key, words[i], len);
        key[len] = '\0';
        /* A key given twice: the first would be lost unseen. */
        for (int j = 1; j < i; j++) {
            if (strncmp(words[j], words[i], len + 1) == 0) {
                snprintf(err, errlen, "%s: %s is given twice", info->name,
                         key);
                return -1;
            }
        }
        rc = parse_common(info, key, eq + 1, fault, err, errlen);
        if (rc == 0)
            rc = parse_key(info, key, eq + 1, fault, err, errlen);
        else if (rc == 1)
            continue;
        if (rc < 0)
            return -1;
        given |= 1u << rc;
    }
    return check_required(info, given, err, errlen);
}

const char *faultlink_fault_format(const struct faultlink_fault *fault,
                                   char *buf, size_t size)
{
    const struct kind_info *info = &kinds[fault->kind];
    size_t len = (size_t)snprintf(buf, size, "toxicity=%.3g", fault->toxicity);

    for (int i = 0; i < KEYS_MAX && info->keys[i] != NULL; i++) {
        const struct key *k = info->keys[i];
        char text[32];
        long value;

        memcpy(&value, (const char *)fault + k->offset, sizeof(value));
        if (value == FAULTLINK_UNSET)
            continue;
        if (k->type == KEY_DURATION)
            parse_format_ms(value, text, sizeof(text));
        else
            parse_format_size(value, text, sizeof(text));
        len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
                                " %s=%s", k->name, text);
    }
    return buf;
}

void faultlink_faults_init(struct faultlink_faults *faults)
{
    memset(faults, 0, sizeof(*faults));
}

void faultlink_faults_add(struct faultlink_faults *faults,
                          const struct faultlink_fault *fault)
{
    for (int dir = 0; dir < FAULTLINK_DIRS; dir++) {
        if (!(fault->dirs & (1u << dir)))
            continue;
        faults->on[fault->kind][dir] = true;
        faults->fault[fault->kind][dir] = *fault;
    }
}

int faultlink_faults_remove(struct faultlink_faults *faults,
                            enum faultlink_kind kind, unsigned dirs)
{
    int removed = 0;

    for (int dir = 0; dir < FAULTLINK_DIRS; dir++) {
        if ((dirs & (1u << dir)) && faults->on[kind][dir]) {
            faults->on[kind][dir] = false;
            removed++;
        }
    }
    return removed;
}

bool faultlink_fault_chosen(uint64_t seed, uint64_t conn_id,
                            enum faultlink_kind kind, enum faultlink_dir dir,
                            double toxicity)
{
    uint64_t draw;

    if (toxicity >= 1.0)
        return true;
    if (toxicity <= 0.0)
        return false;
    draw = rng_mix(rng_mix(seed ^ rng_mix(conn_id)) ^
                   ((uint64_t)kind << 8 | (uint64_t)dir));
    /* The top 53 bits, as a double in [0, 1). */
    return (double)(draw >> 11) * (1.0 / 9007199254740992.0) < toxicity;
}
