/*
 * test_config: the proxy's settings from defaults, command line and file.
 *
 *   defaults   config_defaults matches the seed programs (listen
 *              127.0.0.1:8080, b1=127.0.0.1:9090 b2=127.0.0.1:9091,
 *              leastconn, ...);
 *   options    every option with a good value and with bad ones (threads 0
 *              and abc, port 70000, unparsable backend, unknown option,
 *              missing value, unexpected argument, bad policy, durations
 *              with units); --help and --version print to the FILE* given
 *              and return CONFIG_EXIT;
 *   backends   "NAME=HOST:PORT,weight=W,maxconn=M", generated names b1..,
 *              duplicate names, port 0 and a 65th backend rejected;
 *   numbers    decimal digits only: hex, exponents and signs refused
 *              (--idle-timeout 0x10, 1e1s, -t +5);
 *   files      temporary files under /tmp: settings, comments and blank
 *              lines, errors as "PATH:LINE: why", unreadable files, a
 *              setting given twice (threads, weight=2,weight=3);
 *   escaping   control bytes of a file or an argument (an OSC that would
 *              retitle the terminal) come back as \xNN in err;
 *   precedence the command line wins over the file for scalars, -b on the
 *              command line replaces the file's backends, and the file's
 *              backends replace the defaults.
 *
 * config_parse runs getopt_long, which permutes argv: the argument arrays
 * are built from writable copies.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "count_of.h"
#include "testlib.h"

#define MAX_ARGS 32

/*
 * Runs config_parse over fresh defaults with "proxy_server" followed by
 * args (NULL-terminated). What --help/--version print goes to out, or is
 * thrown away when out is NULL.
 */
static enum config_result run_parse(struct config *cfg, const char *const *args,
                                    FILE *out, char *err)
{
    char *argv[MAX_ARGS + 2], *owned[MAX_ARGS + 2];
    char *sink_text = NULL;
    size_t sink_len = 0;
    FILE *sink = NULL;
    enum config_result result;
    int argc = 0;

    argv[argc] = owned[argc] = strdup("proxy_server");
    argc++;
    for (; *args != NULL && argc <= MAX_ARGS; args++, argc++)
        argv[argc] = owned[argc] = strdup(*args);
    argv[argc] = NULL;
    if (out == NULL)
        out = sink = open_memstream(&sink_text, &sink_len);
    config_defaults(cfg);
    err[0] = '\0';
    result = config_parse(cfg, argc, argv, out, err, CONFIG_ERR_MAX);
    if (sink != NULL)
        fclose(sink);
    free(sink_text);
    for (int i = 0; i < argc; i++)
        free(owned[i]);
    return result;
}

#define PARSE(cfg, err, ...) \
    run_parse((cfg), (const char *const[]){ __VA_ARGS__, NULL }, NULL, (err))

static const char *addr_text(const struct net_addr *addr)
{
    /* One static buffer per call site is enough for the asserts below. */
    static char buf[4][NET_ADDR_STRLEN];
    static int next;

    next = (next + 1) % 4;
    return net_addr_format(addr, buf[next], sizeof(buf[next]));
}

/* Writes text to a new file under /tmp; path receives its name. */
static int write_temp(char *path, size_t size, const char *text)
{
    int fd;
    size_t len = strlen(text);

    snprintf(path, size, "/tmp/test_config_XXXXXX");
    fd = mkstemp(path);
    if (fd == -1)
        return -1;
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* --- defaults ------------------------------------------------------------ */

static void test_defaults(void)
{
    struct config cfg;

    memset(&cfg, 0xa5, sizeof(cfg));
    config_defaults(&cfg);
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.listen), "127.0.0.1:8080");
    CU_ASSERT_EQUAL_FATAL(cfg.backend_count, 2);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "b1");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[0].addr), "127.0.0.1:9090");
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "b2");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[1].addr), "127.0.0.1:9091");
    for (size_t i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(cfg.backends[i].weight, 1);
        CU_ASSERT_EQUAL(cfg.backends[i].maxconn, 0);
    }
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_LEASTCONN);
    CU_ASSERT(cfg.threads >= 1 && cfg.threads <= 256);
    CU_ASSERT_EQUAL(cfg.connect_timeout_ms, 3000);
    CU_ASSERT_EQUAL(cfg.idle_timeout_ms, 60000);
    CU_ASSERT_EQUAL(cfg.health_interval_ms, 1000);
    CU_ASSERT_EQUAL(cfg.rise, 2);
    CU_ASSERT_EQUAL(cfg.fall, 2);
    CU_ASSERT_EQUAL(cfg.maxconn, 0);
    CU_ASSERT_EQUAL(cfg.grace_ms, 1000);
    CU_ASSERT_EQUAL(cfg.log_level, LOG_INFO);
    CU_ASSERT_EQUAL(cfg.log_buffer, 1L << 20);
    CU_ASSERT_EQUAL(cfg.log_flush_ms, 10);
    CU_ASSERT_FALSE(cfg.stats_enabled);
    CU_ASSERT_EQUAL(cfg.seed, 1);
}

static void test_parse_no_arguments(void)
{
    struct config cfg, defaults;
    char err[CONFIG_ERR_MAX], name[] = "proxy_server";
    char *argv[] = { name, NULL };

    config_defaults(&defaults);
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_parse(&cfg, 1, argv, stdout, err, sizeof(err)),
                    CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    CU_ASSERT_EQUAL(cfg.threads, defaults.threads);
    CU_ASSERT_EQUAL(memcmp(&cfg.listen, &defaults.listen, sizeof(cfg.listen)),
                    0);
    CU_ASSERT_EQUAL(memcmp(cfg.backends, defaults.backends,
                           2 * sizeof(cfg.backends[0])), 0);
}

/* --- every option, good values ------------------------------------------- */

static void test_options_good(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];

    CU_ASSERT_EQUAL_FATAL(PARSE(&cfg, err,
        "-l", "127.0.0.1:0", "-t", "4", "--balance", "roundrobin",
        "--connect-timeout", "2s", "--idle-timeout", "0",
        "--health-interval", "500ms", "--rise", "3", "--fall", "5",
        "--maxconn", "100", "--grace", "1.5s", "--stats", "127.0.0.1:0",
        "--log-level", "debug", "--seed", "42", "--cpu-affinity", "auto",
        "--log-buffer", "256k", "--log-flush", "0"),
        CONFIG_RUN);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_TRUE(cfg.cpu_affinity);
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.listen), "127.0.0.1:0");
    CU_ASSERT_EQUAL(cfg.threads, 4);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_ROUNDROBIN);
    CU_ASSERT_EQUAL(cfg.connect_timeout_ms, 2000);
    CU_ASSERT_EQUAL(cfg.idle_timeout_ms, 0);
    CU_ASSERT_EQUAL(cfg.health_interval_ms, 500);
    CU_ASSERT_EQUAL(cfg.rise, 3);
    CU_ASSERT_EQUAL(cfg.fall, 5);
    CU_ASSERT_EQUAL(cfg.maxconn, 100);
    CU_ASSERT_EQUAL(cfg.grace_ms, 1500);
    CU_ASSERT_TRUE(cfg.stats_enabled);
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.stats), "127.0.0.1:0");
    CU_ASSERT_EQUAL(cfg.log_level, LOG_DEBUG);
    CU_ASSERT_EQUAL(cfg.log_buffer, 256L << 10);
    CU_ASSERT_EQUAL(cfg.log_flush_ms, 0);
    CU_ASSERT_EQUAL(cfg.seed, 42);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);          /* no -b: defaults */

    /* Long forms, "=value" forms, and a bare port. */
    CU_ASSERT_EQUAL_FATAL(PARSE(&cfg, err,
        "--listen=9000", "--threads=2", "--balance=random",
        "--idle-timeout", "1m", "--connect-timeout=250",
        "--backend", "127.0.0.1:7000", "-b", "127.0.0.1:7001"), CONFIG_RUN);
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.listen), "127.0.0.1:9000");
    CU_ASSERT_EQUAL(cfg.threads, 2);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_RANDOM);
    CU_ASSERT_EQUAL(cfg.idle_timeout_ms, 60000);
    CU_ASSERT_EQUAL(cfg.connect_timeout_ms, 250);
    CU_ASSERT_EQUAL_FATAL(cfg.backend_count, 2);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "b1");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[0].addr), "127.0.0.1:7000");
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "b2");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[1].addr), "127.0.0.1:7001");

    /* The last of a repeated scalar wins. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-t", "3", "-t", "7"), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.threads, 7);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "--health-interval", "0",
                          "--balance", "leastconn"), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.health_interval_ms, 0);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_LEASTCONN);
    CU_ASSERT_FALSE(cfg.cpu_affinity);              /* default: none */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "--cpu-affinity", "auto",
                          "--cpu-affinity=none"), CONFIG_RUN);
    CU_ASSERT_FALSE(cfg.cpu_affinity);
}

/* --- bad values and bad command lines ----------------------------------- */

/* One bad command line and a piece its error text must contain. */
struct bad_case {
    const char *args[4];
    const char *err_part;
};

static void test_options_bad(void)
{
    static const struct bad_case cases[] = {
        { { "-t", "0" }, "threads '0'" },
        { { "--cpu-affinity", "0-1" }, "--cpu-affinity '0-1': must be none or auto" },
        { { "--cpu-affinity", "" }, "--cpu-affinity '': must be none or auto" },
        { { "-t", "abc" }, "threads 'abc'" },
        { { "--threads", "257" }, "threads" },
        { { "-l", "70000" }, "70000" },
        { { "-l", "127.0.0.1:70000" }, "70000" },
        { { "--listen", "127.0.0.1:abc" }, "port" },
        { { "-b", "127.0.0.1" }, "--backend" },
        { { "-b", "[::1:80" }, "--backend" },
        { { "-b", "127.0.0.1:99999" }, "--backend" },
        { { "--bogus" }, "unknown option '--bogus'" },
        { { "-x" }, "unknown option '-x'" },
        { { "--rise=2", "-xV" }, "unknown option '-x'" },
        { { "--version=1" }, "option '--version' takes no value" },
        { { "--threads" }, "needs a value" },
        { { "-t" }, "needs a value" },
        { { "-b" }, "needs a value" },
        { { "stray" }, "unexpected argument 'stray'" },
        { { "-t", "2", "stray" }, "unexpected argument 'stray'" },
        { { "--balance", "fastest" }, "fastest" },
        { { "--connect-timeout", "0" }, "connect-timeout" },
        { { "--connect-timeout", "5x" }, "connect-timeout" },
        { { "--connect-timeout", "11m" }, "connect-timeout" },
        { { "--idle-timeout", "-1" }, "idle-timeout" },
        { { "--health-interval", "2h" }, "health-interval" },
        { { "--grace", "1 s" }, "grace" },
        { { "--rise", "0" }, "rise" },
        { { "--fall", "101" }, "fall" },
        { { "--maxconn", "-1" }, "maxconn" },
        { { "--log-level", "loud" }, "log-level" },
        { { "--log-buffer", "1k" }, "log-buffer" },
        { { "--log-buffer", "2G" }, "log-buffer" },
        { { "--log-flush", "11s" }, "log-flush" },
        { { "--seed", "-1" }, "seed" },
        { { "--stats", "70000" }, "--stats" },
        { { "--version=1" }, "" },
        /* Decimal digits only: no hex, exponent or sign. */
        { { "--idle-timeout", "0x10" }, "idle-timeout '0x10'" },
        { { "--idle-timeout", "1e1s" }, "idle-timeout '1e1s'" },
        { { "--connect-timeout", "1.5ms" }, "connect-timeout '1.5ms'" },
        { { "--grace", "inf" }, "grace 'inf'" },
        { { "-t", "+5" }, "threads '+5'" },
        { { "-t", "0x4" }, "threads '0x4'" },
        { { "--maxconn", "1e3" }, "maxconn '1e3'" },
        { { "-b", "127.0.0.1:7000,weight=+2" }, "weight '+2'" },
        { { "-b", "127.0.0.1:7000,,weight=2" }, "an empty setting" },
        { { "-b", "127.0.0.1:7000," }, "an empty setting" },
        { { "-b", "127.0.0.1:+7000" }, "port" },
    };

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        struct config cfg;
        char err[CONFIG_ERR_MAX];
        const char *args[5] = { NULL };
        enum config_result result;

        memcpy(args, cases[i].args, sizeof(cases[i].args));
        result = run_parse(&cfg, args, NULL, err);
        CU_ASSERT_EQUAL(result, CONFIG_ERROR);
        CU_ASSERT(err[0] != '\0');
        /* One line, and no byte that could drive the terminal. */
        CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].err_part));
        if (result != CONFIG_ERROR || strstr(err, cases[i].err_part) == NULL)
            fprintf(stderr, "\n    case %zu (%s): result %d, err \"%s\"", i,
                    cases[i].args[0], result, err);
    }
}

static void test_help_and_version(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX], *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(run_parse(&cfg, (const char *const[]){ "--help", NULL },
                              out, err), CONFIG_EXIT);
    fflush(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "Usage: proxy_server"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "--backend"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "--health-interval"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "--config"));
    fclose(out);
    free(text);

    text = NULL;
    out = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(run_parse(&cfg, (const char *const[]){ "-t", "2", "-V",
                                                           NULL },
                              out, err), CONFIG_EXIT);
    fflush(out);
    CU_ASSERT(starts_with(text, "proxy_server "));
    CU_ASSERT_EQUAL(len > 0 ? text[len - 1] : 0, '\n');
    CU_ASSERT_PTR_EQUAL(strchr(text, '\n'), text + len - 1);   /* one line */
    fclose(out);
    free(text);

    /* --help even next to a config file that cannot be read, or a bad
     * value: it is looked for first. */
    text = NULL;
    out = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(run_parse(&cfg, (const char *const[]){
                        "-c", "/nonexistent/proxy.conf", "-t", "0", "-h",
                        NULL }, out, err), CONFIG_EXIT);
    fflush(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "Usage: proxy_server"));
    fclose(out);
    free(text);
}

/* --- backends ------------------------------------------------------------ */

static void test_backend_specs(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];

    config_defaults(&cfg);
    cfg.backend_count = 0;
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "web=127.0.0.1:8000,weight=3,"
                                       "maxconn=10", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "127.0.0.1:8001", err,
                                       sizeof(err)), 0);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "127.0.0.1:8002,maxconn=5", err,
                                       sizeof(err)), 0);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "db.2_x-y=8003,weight=256", err,
                                       sizeof(err)), 0);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "v6=[::1]:8004", err,
                                       sizeof(err)), 0);
    CU_ASSERT_EQUAL_FATAL(cfg.backend_count, 5);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "web");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[0].addr), "127.0.0.1:8000");
    CU_ASSERT_EQUAL(cfg.backends[0].weight, 3);
    CU_ASSERT_EQUAL(cfg.backends[0].maxconn, 10);
    /* Generated names count positions, named backends included. */
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "b2");
    CU_ASSERT_EQUAL(cfg.backends[1].weight, 1);
    CU_ASSERT_EQUAL(cfg.backends[1].maxconn, 0);
    CU_ASSERT_STRING_EQUAL(cfg.backends[2].name, "b3");
    CU_ASSERT_EQUAL(cfg.backends[2].maxconn, 5);
    CU_ASSERT_STRING_EQUAL(cfg.backends[3].name, "db.2_x-y");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[3].addr), "127.0.0.1:8003");
    CU_ASSERT_EQUAL(cfg.backends[3].weight, 256);
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[4].addr), "[::1]:8004");
}

static void test_backend_specs_bad(void)
{
    static const char *const bad[] = {
        "127.0.0.1:0",                  /* port 0 cannot be connected to */
        "x=127.0.0.1:0",
        "127.0.0.1",                    /* no port */
        "127.0.0.1:65536",
        "127.0.0.1:80,weight=0",
        "127.0.0.1:80,weight=257",
        "127.0.0.1:80,weight=x",
        "127.0.0.1:80,maxconn=-1",
        "127.0.0.1:80,speed=3",
        "127.0.0.1:80,weight",
        "=127.0.0.1:80",                /* empty name */
        "bad name=127.0.0.1:80",
        "a/b=127.0.0.1:80",
        "abcdefghijklmnopqrstuvwxyz012345=127.0.0.1:80",     /* 32 chars */
        "x=",
        "",
        ",weight=2",
    };
    struct config cfg;

    config_defaults(&cfg);
    for (size_t i = 0; i < COUNT_OF(bad); i++) {
        char err[CONFIG_ERR_MAX] = "";

        CU_ASSERT_EQUAL(config_add_backend(&cfg, bad[i], err, sizeof(err)),
                        -1);
        CU_ASSERT(err[0] != '\0');
        CU_ASSERT_EQUAL(cfg.backend_count, 2);      /* nothing appended */
    }
    /* 31 characters is the longest name. */
    {
        char err[CONFIG_ERR_MAX];

        CU_ASSERT_EQUAL(config_add_backend(&cfg,
                            "abcdefghijklmnopqrstuvwxyz01234=127.0.0.1:80",
                            err, sizeof(err)), 0);
        CU_ASSERT_EQUAL(cfg.backend_count, 3);
    }
}

static void test_backend_duplicates_and_limit(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];

    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "b1=127.0.0.1:7000", err,
                                       sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicate"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "b1"));
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    /* Same name on the command line. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-b", "a=127.0.0.1:7000",
                          "-b", "a=127.0.0.1:7001"), CONFIG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "duplicate"));
    /* A same address under two names is fine. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-b", "a=127.0.0.1:7000",
                          "-b", "b=127.0.0.1:7000"), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);

    config_defaults(&cfg);
    cfg.backend_count = 0;
    for (int i = 0; i < BALANCER_MAX_BACKENDS; i++) {
        char spec[32];

        snprintf(spec, sizeof(spec), "127.0.0.1:%d", 7000 + i);
        CU_ASSERT_EQUAL(config_add_backend(&cfg, spec, err, sizeof(err)), 0);
    }
    CU_ASSERT_EQUAL(cfg.backend_count, BALANCER_MAX_BACKENDS);
    CU_ASSERT_STRING_EQUAL(cfg.backends[63].name, "b64");
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "127.0.0.1:8000", err,
                                       sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many"));
    CU_ASSERT_EQUAL(cfg.backend_count, BALANCER_MAX_BACKENDS);
}

/* 65 -b options on the command line: the 65th is an error. */
static void test_backend_limit_on_command_line(void)
{
    static char specs[BALANCER_MAX_BACKENDS + 1][32];
    char *argv[2 * (BALANCER_MAX_BACKENDS + 1) + 2];
    char err[CONFIG_ERR_MAX], dash_b[BALANCER_MAX_BACKENDS + 1][3];
    struct config cfg;
    int argc = 0;
    char name[] = "proxy_server";

    argv[argc++] = name;
    for (int i = 0; i <= BALANCER_MAX_BACKENDS; i++) {
        snprintf(specs[i], sizeof(specs[i]), "127.0.0.1:%d", 7000 + i);
        memcpy(dash_b[i], "-b", 3);
        argv[argc++] = dash_b[i];
        argv[argc++] = specs[i];
    }
    argv[argc] = NULL;
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_parse(&cfg, argc, argv, stdout, err, sizeof(err)),
                    CONFIG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many"));
    /* 64 are fine. */
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_parse(&cfg, argc - 2, argv, stdout, err,
                                 sizeof(err)), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, BALANCER_MAX_BACKENDS);
}

/* --- config files -------------------------------------------------------- */

static void test_file_good(void)
{
    static const char text[] =
        "# proxy settings\n"
        "\n"
        "listen 127.0.0.1:0\n"
        "   threads   3   # trailing comment\n"
        "\t\n"
        "balance roundrobin\n"
        "connect-timeout 2s\n"
        "idle-timeout 1m\n"
        "health-interval 0\n"
        "rise 4\n"
        "fall 6\n"
        "maxconn 50\n"
        "grace 250ms\n"
        "log-level warn\n"
        "stats 127.0.0.1:0\n"
        "seed 9\n"
        "backend web=127.0.0.1:7000,weight=2\n"
        "backend 127.0.0.1:7001\n"
        "# done";
    char path[64], err[CONFIG_ERR_MAX];
    struct config cfg;

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path), text), 0);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_RUN);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.listen), "127.0.0.1:0");
    CU_ASSERT_EQUAL(cfg.threads, 3);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_ROUNDROBIN);
    CU_ASSERT_EQUAL(cfg.connect_timeout_ms, 2000);
    CU_ASSERT_EQUAL(cfg.idle_timeout_ms, 60000);
    CU_ASSERT_EQUAL(cfg.health_interval_ms, 0);
    CU_ASSERT_EQUAL(cfg.rise, 4);
    CU_ASSERT_EQUAL(cfg.fall, 6);
    CU_ASSERT_EQUAL(cfg.maxconn, 50);
    CU_ASSERT_EQUAL(cfg.grace_ms, 250);
    CU_ASSERT_EQUAL(cfg.log_level, LOG_WARN);
    CU_ASSERT_TRUE(cfg.stats_enabled);
    CU_ASSERT_EQUAL(cfg.seed, 9);
    /* The file's backends replace the defaults. */
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "web");
    CU_ASSERT_EQUAL(cfg.backends[0].weight, 2);
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "b2");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[1].addr), "127.0.0.1:7001");

    /* config_load_file on its own does the same. */
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(cfg.threads, 3);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    unlink(path);
}

/* A file with only comments changes nothing. */
static void test_file_comments_only(void)
{
    char path[64], err[CONFIG_ERR_MAX];
    struct config cfg, defaults;

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path),
                                     "# nothing\n\n   # here\n\n"), 0);
    config_defaults(&defaults);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    CU_ASSERT_EQUAL(cfg.threads, defaults.threads);
    CU_ASSERT_EQUAL(cfg.connect_timeout_ms, 3000);
    unlink(path);
}

/* Runs a file through config_parse and checks the error starts with
 * "PATH:LINE: " and contains part. */
static void check_file_error(const char *text, int line, const char *part)
{
    char path[64], prefix[96], err[CONFIG_ERR_MAX];
    struct config cfg;

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path), text), 0);
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_ERROR);
    CU_ASSERT(starts_with(err, prefix));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, part));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (!starts_with(err, prefix) || strstr(err, part) == NULL)
        fprintf(stderr, "\n    expected \"%s...%s\", got \"%s\"", prefix, part,
                err);
    unlink(path);
}

static void test_file_errors(void)
{
    check_file_error("threads 2\n# comment\nbogus 1\n", 3, "bogus");
    check_file_error("threads 2\nthreads\n", 2, "threads");
    check_file_error("  rise   \n", 1, "rise");
    check_file_error("threads 0\n", 1, "threads");
    check_file_error("\n\nbalance fastest\n", 3, "fastest");
    check_file_error("backend 127.0.0.1:0\n", 1, "port 0");
    check_file_error("connect-timeout 5x\n", 1, "connect-timeout");
    /* Options that only make sense on the command line. */
    check_file_error("help 1\n", 1, "help");
    check_file_error("config /etc/other.conf\n", 1, "config");
    /* Duplicate backend names across lines. */
    check_file_error("backend a=127.0.0.1:1\nbackend a=127.0.0.1:2\n", 2,
                     "duplicate");
}

static void test_file_unreadable(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];

    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", "/nonexistent/dir/proxy.conf"),
                    CONFIG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/proxy.conf"));
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_load_file(&cfg, "/nonexistent/x.conf", err,
                                     sizeof(err)), -1);
    CU_ASSERT(err[0] != '\0');
    /* -c without a file name. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c"), CONFIG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a value"));
}

/* A directory opens for reading but every read fails (EISDIR): that is an
 * unreadable config, not an empty one. */
static void test_file_is_directory(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX] = "";

    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_load_file(&cfg, "/tmp", err, sizeof(err)), -1);
    CU_ASSERT(err[0] != '\0');
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", "/tmp"), CONFIG_ERROR);
}

/* A FIFO in the file's place is refused at once: opening it for reading
 * would wait for a writer, and a reload (SIGHUP, the reload command) with
 * it, forever. */
static void test_file_is_fifo(void)
{
    struct config cfg;
    char path[64], err[CONFIG_ERR_MAX] = "", want[128];

    snprintf(path, sizeof(path), "/tmp/test_config_fifo.%d", (int)getpid());
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "cannot read config '%s': a FIFO", path);
    CU_ASSERT_STRING_EQUAL(err, want);
    unlink(path);
}

/* A line longer than the reader's buffer is an error, not two lines. */
static void test_file_long_line(void)
{
    static char text[3000];
    char path[64], err[CONFIG_ERR_MAX], prefix[80];
    struct config cfg;

    memcpy(text, "threads 2\nseed ", 15);
    memset(text + 15, '1', 2000);
    memcpy(text + 2015, "\n", 2);
    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path), text), 0);
    snprintf(prefix, sizeof(prefix), "%s:2: ", path);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_ERROR);
    CU_ASSERT(starts_with(err, prefix));
    unlink(path);
}

/* --- strict numbers and duplicates ------------------------------------- */

static void test_file_duplicates(void)
{
    char path[64], err[CONFIG_ERR_MAX];
    struct config cfg;

    check_file_error("threads 2\n# more\nthreads 3\n", 3,
                     "threads is already set on line 1");
    check_file_error("seed 1\nlisten 0\nseed 1\n", 3,
                     "seed is already set on line 1");
    check_file_error("backend b1=127.0.0.1:7000,weight=2,weight=3\n", 1,
                     "backend: setting weight is given twice");
    check_file_error("backend 127.0.0.1:7000,maxconn=1,weight=2,maxconn=1\n",
                     1, "backend: setting maxconn is given twice");
    /* The same on the command line: -b is one value. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-b", "b1=127.0.0.1:7000,weight=2,"
                          "weight=3"), CONFIG_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--backend: setting weight is given twice");
    /* backend is the one setting a file repeats; two files each set once. */
    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path),
                                     "threads 2\nbackend 127.0.0.1:7000\n"
                                     "backend 127.0.0.1:7001\n"), 0);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path, "-c", path), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.threads, 2);
    unlink(path);
}

static void test_errors_escape_control_bytes(void)
{
    char path[64], err[CONFIG_ERR_MAX];
    struct config cfg;

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path),
                                     "balance \x1b]0;pwned\x07\n"), 0);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_ERROR);
    CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "balance '\\x1b]0;pwned\\x07'"));
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
    unlink(path);

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path),
                                     "\x1b[2J 1\n"), 0);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown setting '\\x1b[2J'"));
    unlink(path);

    /* Command-line values, a backend, and a file name. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "--threads", "\x1b]0;pwned\x07"),
                    CONFIG_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "--threads '\\x1b]0;pwned\\x07': "
                           "must be a whole number from 1 to 256");
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-b", "127.0.0.1:\x1b[2J"), CONFIG_ERROR);
    CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "\\x1b[2J"));
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", "/nonexistent/\x1b]0;x\x07"),
                    CONFIG_ERROR);
    CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "stray\x1b"), CONFIG_ERROR);
    CU_ASSERT_STRING_EQUAL(err, "unexpected argument 'stray\\x1b'");
    config_defaults(&cfg);
    CU_ASSERT_EQUAL(config_add_backend(&cfg, "127.0.0.1:80,\a=1", err,
                                       sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'\\x07'"));
}

/* --- precedence ---------------------------------------------------------- */

static void test_precedence(void)
{
    static const char text[] =
        "threads 3\n"
        "balance random\n"
        "idle-timeout 5s\n"
        "backend f1=127.0.0.1:7100\n"
        "backend f2=127.0.0.1:7101\n";
    char path[64], err[CONFIG_ERR_MAX];
    struct config cfg;

    CU_ASSERT_EQUAL_FATAL(write_temp(path, sizeof(path), text), 0);

    /* The command line wins, before or after -c. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-t", "5", "-c", path), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.threads, 5);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_RANDOM);       /* file only */
    CU_ASSERT_EQUAL(cfg.idle_timeout_ms, 5000);
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path, "-t", "6",
                          "--balance", "leastconn"), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.threads, 6);
    CU_ASSERT_EQUAL(cfg.balance, BALANCER_LEASTCONN);

    /* File backends replace the defaults... */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path), CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 2);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "f1");
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "f2");

    /* ...and -b on the command line replaces all of the file's, wherever
     * -c stands; several -b add up. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-b", "127.0.0.1:7200", "-c", path),
                    CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 1);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "b1");
    CU_ASSERT_STRING_EQUAL(addr_text(&cfg.backends[0].addr), "127.0.0.1:7200");
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path, "-b", "c1=127.0.0.1:7300",
                          "-b", "c2=127.0.0.1:7301", "-b", "127.0.0.1:7302"),
                    CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 3);
    CU_ASSERT_STRING_EQUAL(cfg.backends[0].name, "c1");
    CU_ASSERT_STRING_EQUAL(cfg.backends[1].name, "c2");
    CU_ASSERT_STRING_EQUAL(cfg.backends[2].name, "b3");
    /* A file backend named like a command-line one is gone, so no
     * duplicate. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path, "-b", "f1=127.0.0.1:7400"),
                    CONFIG_RUN);
    CU_ASSERT_EQUAL(cfg.backend_count, 1);
    /* A bad command-line value is still an error after a good file. */
    CU_ASSERT_EQUAL(PARSE(&cfg, err, "-c", path, "-t", "0"), CONFIG_ERROR);
    CU_ASSERT(starts_with(err, "--threads '0': "));
    unlink(path);
}

static CU_TestInfo config_tests[] = {
    { "defaults", test_defaults },
    { "a FIFO for a file is refused", test_file_is_fifo },
    { "parse with no arguments", test_parse_no_arguments },
    { "every option, good values", test_options_good },
    { "bad options and values", test_options_bad },
    { "--help and --version", test_help_and_version },
    { "backend specs", test_backend_specs },
    { "backend specs rejected", test_backend_specs_bad },
    { "backend duplicates and the limit", test_backend_duplicates_and_limit },
    { "65 backends on the command line", test_backend_limit_on_command_line },
    { "config file", test_file_good },
    { "config file of comments", test_file_comments_only },
    { "config file errors", test_file_errors },
    { "config file unreadable", test_file_unreadable },
    { "config file is a directory", test_file_is_directory },
    { "config file line too long", test_file_long_line },
    { "command line over file over defaults", test_precedence },
    { "a setting given twice in a file or a backend",
      test_file_duplicates },
    { "errors show control bytes as \\xNN", test_errors_escape_control_bytes },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(config, config_tests)
