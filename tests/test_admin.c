/*
 * test_admin: the control protocol's commands, without a socket.
 *
 *   parse      every command with its operands, and every kind of bad
 *              line: empty, unknown word, too few or too many operands,
 *              a number out of range or not a number, a bad backend for
 *              add, an overlong line, a '\r' before the end, control bytes
 *              (shown as \xNN in the error);
 *   answers    help lists every command; show backends has one line per
 *              backend with the keys docs/control.md lists; show info;
 *              quit; each answer ends with one empty line;
 *   errors     every command that names a backend, with a name that does
 *              not exist; remove of a ready backend and of a draining one
 *              with a session on it; add of a name in use and with every
 *              slot used; reload without a config file; a NUL byte;
 *   log        every line gives one ev=control with status= and, on an
 *              error, err=; the command's control bytes are escaped; the
 *              balancer's own events carry by=control.
 *
 * The commands run on a real balancer (backends never contacted), with
 * the log written to a log_capture.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "balancer.h"
#include "config.h"
#include "count_of.h"
#include "log_capture.h"
#include "net.h"
#include "reload.h"
#include "session.h"
#include "testlib.h"

/* A balancer of two backends, b1 and b2, and what the commands need. */
struct admin_fixture {
    struct admin admin;
    struct balancer *balancer;
    struct proxy_shared shared;
    struct config config;
    struct log_capture *capture;
    struct admin_answer out;
};

static void fixture_open(struct admin_fixture *fx)
{
    char *argv[] = { "proxy_server", NULL };

    memset(fx, 0, sizeof(*fx));
    config_defaults(&fx->config);
    fx->balancer = balancer_create(fx->config.backends, 2,
                                   BALANCER_LEASTCONN, false, 1);
    CU_ASSERT_FATAL(fx->balancer != NULL);
    fx->shared.config = &fx->config;
    fx->shared.balancer = fx->balancer;
    fx->capture = malloc(sizeof(*fx->capture));
    CU_ASSERT_FATAL(fx->capture != NULL);
    CU_ASSERT_FATAL(log_capture_open(fx->capture, LOG_INFO) == 0);
    fx->admin = (struct admin){
        .balancer = fx->balancer, .shared = &fx->shared,
        .reload = reload_create(1, argv, &fx->config, &fx->config,
                                fx->balancer),
        .control_path = "/tmp/test.sock" };
    CU_ASSERT_FATAL(fx->admin.reload != NULL);
}

static void fixture_close(struct admin_fixture *fx)
{
    admin_answer_free(&fx->out);
    reload_destroy(fx->admin.reload);
    log_capture_close(fx->capture);
    free(fx->capture);
    balancer_destroy(fx->balancer);
}

/* Runs line; returns the answer (valid until the next call). */
static const char *run(struct admin_fixture *fx, const char *line)
{
    fx->out.len = 0;
    admin_handle_line(&fx->admin, &fx->capture->log, line, strlen(line),
                      &fx->out);
    admin_answer_printf(&fx->out, "%s", "");
    return fx->out.text;
}

/* The answer to line is exactly want. */
static void expect(struct admin_fixture *fx, const char *line,
                   const char *want)
{
    const char *got = run(fx, line);

    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n'%s': got '%s', want '%s'\n", line, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}

/* ---- parse ------------------------------------------------------------ */

static void test_parse_commands(void)
{
    static const struct {
        const char *line;
        enum admin_verb verb;
        const char *name;
        long number;
    } cases[] = {
        { "help", ADMIN_HELP, "", 0 },
        { "show backends", ADMIN_SHOW_BACKENDS, "", 0 },
        { "show sessions", ADMIN_SHOW_SESSIONS, "", 0 },
        { "  show \t info  ", ADMIN_SHOW_INFO, "", 0 },
        { "disable b1", ADMIN_DISABLE, "b1", 0 },
        { "enable b2", ADMIN_ENABLE, "b2", 0 },
        { "drain web-3.a", ADMIN_DRAIN, "web-3.a", 0 },
        { "set weight b1 256", ADMIN_SET_WEIGHT, "b1", 256 },
        { "set maxconn b1 0", ADMIN_SET_MAXCONN, "b1", 0 },
        { "remove backend b9", ADMIN_REMOVE_BACKEND, "b9", 0 },
        { "reload\r", ADMIN_RELOAD, "", 0 },
        { "quit", ADMIN_QUIT, "", 0 },
    };
    struct admin_command cmd;
    char err[CONFIG_ERR_MAX];

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        int rc = admin_parse(cases[i].line, &cmd, err, sizeof(err));

        CU_ASSERT_EQUAL(rc, 0);
        if (rc != 0)
            fprintf(stderr, "\n'%s': %s\n", cases[i].line, err);
        CU_ASSERT_EQUAL(cmd.verb, cases[i].verb);
        CU_ASSERT_STRING_EQUAL(cmd.name, cases[i].name);
        CU_ASSERT_EQUAL(cmd.number, cases[i].number);
    }
}

static void test_parse_add_backend(void)
{
    struct admin_command cmd;
    char err[CONFIG_ERR_MAX], addr[NET_ADDR_STRLEN];

    CU_ASSERT_EQUAL_FATAL(admin_parse("add backend b3 127.0.0.1:9092 "
                                      "weight=3 maxconn=7", &cmd, err,
                                      sizeof(err)), 0);
    CU_ASSERT_EQUAL(cmd.verb, ADMIN_ADD_BACKEND);
    CU_ASSERT_STRING_EQUAL(cmd.name, "b3");
    CU_ASSERT_STRING_EQUAL(cmd.spec.name, "b3");
    CU_ASSERT_STRING_EQUAL(net_addr_format(&cmd.spec.addr, addr,
                                           sizeof(addr)), "127.0.0.1:9092");
    CU_ASSERT_EQUAL(cmd.spec.weight, 3);
    CU_ASSERT_EQUAL(cmd.spec.maxconn, 7);
    /* Without settings: the defaults of a -b backend. */
    CU_ASSERT_EQUAL_FATAL(admin_parse("add backend b4 9093", &cmd, err,
                                      sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(net_addr_format(&cmd.spec.addr, addr,
                                           sizeof(addr)), "127.0.0.1:9093");
    CU_ASSERT_EQUAL(cmd.spec.weight, 1);
    CU_ASSERT_EQUAL(cmd.spec.maxconn, 0);
}

static void test_parse_errors(void)
{
    static const struct {
        const char *line;
        const char *err;
    } cases[] = {
        { "", "empty command (help lists the commands)" },
        { " \t ", "empty command (help lists the commands)" },
        { "frobnicate b1", "unknown command 'frobnicate' (help lists the "
          "commands)" },
        { "show", "'show' needs one more word: backends, sessions, info "
          "(help lists the commands)" },
        { "show everything", "unknown command 'show everything': after "
          "'show' comes backends, sessions, info (help lists the commands)" },
        { "HELP", "unknown command 'HELP' (help lists the commands)" },
        { "help me", "usage: help" },
        { "disable", "usage: disable NAME" },
        { "drain b1 b2", "usage: drain NAME" },
        { "set weight b1", "usage: set weight NAME N" },
        { "set weight b1 2 3", "usage: set weight NAME N" },
        { "set speed b1 2", "unknown command 'set speed': after 'set' comes "
          "weight, maxconn (help lists the commands)" },
        { "set server b1 state maint", "unknown command 'set server': after "
          "'set' comes weight, maxconn (help lists the commands)" },
        { "set weight b1 0", "weight '0': must be a whole number from 1 to "
          "256" },
        { "set weight b1 257", "weight '257': must be a whole number from 1 "
          "to 256" },
        { "set weight b1 +2", "weight '+2': must be a whole number from 1 "
          "to 256" },
        { "set maxconn b1 -1", "maxconn '-1': must be a whole number from 0 "
          "to 10000000" },
        { "set maxconn b1 x", "maxconn 'x': must be a whole number from 0 "
          "to 10000000" },
        { "add backend b3", "usage: add backend NAME HOST:PORT [weight=N] "
          "[maxconn=N] [slowstart=MS]" },
        { "add backend b3 127.0.0.1:0", "backend 'b3=127.0.0.1:0': port 0 "
          "cannot be connected to" },
        { "add backend b/3 127.0.0.1:9", "backend 'b/3=127.0.0.1:9': a name "
          "is 1 to 31 letters, digits, '_', '-' or '.'" },
        { "add backend b3 127.0.0.1:9 weight=0", "backend "
          "'b3=127.0.0.1:9,weight=0': weight '0': must be a whole number "
          "from 1 to 256" },
        { "add backend b3 127.0.0.1:99999", "backend 'b3=127.0.0.1:99999': "
          "'127.0.0.1:99999': port must be a number from 0 to 65535" },
        { "add backend b3 127.0.0.1:9 weight=2 weight=3",
          "backend 'b3=127.0.0.1:9,weight=2,weight=3': setting weight is "
          "given twice" },
        { "add backend b3=x 127.0.0.1:9",
          "a backend is NAME HOST:PORT [key=value]..." },
        { "add backend b3 127.0.0.1:9,weight=2",
          "a backend is NAME HOST:PORT [key=value]..." },
        { "remove b1", "unknown command 'remove b1': after 'remove' comes "
          "backend (help lists the commands)" },
        { "quit now please", "usage: quit" },
        { "a b c d e f g h i", "unknown command 'a' (help lists the "
          "commands)" },
        { "drain b1 2 3 4 5 6 7 8 9", "usage: drain NAME" },
        { "drain \x1b]0;owned\x07 x", "usage: drain NAME" },
        { "\x1b]0;owned\x07", "unknown command '\\x1b]0;owned\\x07' (help "
          "lists the commands)" },
    };
    struct admin_command cmd;
    char err[CONFIG_ERR_MAX];

    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        int rc = admin_parse(cases[i].line, &cmd, err, sizeof(err));

        CU_ASSERT_EQUAL(rc, -1);
        if (rc == -1 && strcmp(err, cases[i].err) != 0)
            fprintf(stderr, "\n'%s': got '%s'\n", cases[i].line, err);
        CU_ASSERT_STRING_EQUAL(err, cases[i].err);
        CU_ASSERT_EQUAL(strcspn(err, TESTLIB_CONTROL_BYTES), strlen(err));
    }
}

/* A line of ADMIN_LINE_MAX bytes is one; a byte more is an error, and so
 * is a line holding a NUL byte. */
static void test_line_limits(void)
{
    struct admin_fixture fx;
    char line[ADMIN_LINE_MAX + 3];
    bool quit;

    fixture_open(&fx);
    memset(line, ' ', sizeof(line));
    memcpy(line, "help", 4);
    fx.out.len = 0;
    admin_handle_line(&fx.admin, &fx.capture->log, line, ADMIN_LINE_MAX,
                      &fx.out);
    CU_ASSERT_TRUE(fx.out.len > 0 && strncmp(fx.out.text, "help ", 5) == 0);
    line[ADMIN_LINE_MAX] = '\r';
    fx.out.len = 0;
    admin_handle_line(&fx.admin, &fx.capture->log, line, ADMIN_LINE_MAX + 1,
                      &fx.out);
    CU_ASSERT_TRUE(fx.out.len > 0 && strncmp(fx.out.text, "help ", 5) == 0);
    fx.out.len = 0;
    line[ADMIN_LINE_MAX] = ' ';
    admin_handle_line(&fx.admin, &fx.capture->log, line, ADMIN_LINE_MAX + 1,
                      &fx.out);
    admin_answer_printf(&fx.out, "%s", "");
    CU_ASSERT_STRING_EQUAL(fx.out.text, "error: line longer than 1024 "
                           "bytes\n\n");
    fx.out.len = 0;
    quit = admin_handle_line(&fx.admin, &fx.capture->log, "quit\0x", 6,
                             &fx.out);
    CU_ASSERT_FALSE(quit);
    admin_answer_printf(&fx.out, "%s", "");
    CU_ASSERT_STRING_EQUAL(fx.out.text, "error: line holds a NUL byte\n\n");
    fixture_close(&fx);
}

/* ---- answers ---------------------------------------------------------- */

static void test_help_and_quit(void)
{
    static const char *const commands[] = {
        "help ", "show backends ", "show sessions ", "show info ",
        "disable NAME ", "enable NAME ", "drain NAME ", "set weight NAME N ",
        "set maxconn NAME N ", "add backend NAME HOST:PORT ",
        "remove backend NAME ", "reload ", "quit ",
    };
    struct admin_fixture fx;
    const char *help;
    bool quit;

    fixture_open(&fx);
    help = run(&fx, "help");
    for (size_t i = 0; i < COUNT_OF(commands); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(help, commands[i]));
    CU_ASSERT_EQUAL(strcmp(help + strlen(help) - 2, "\n\n"), 0);
    /* Every text starts in column 42, also after a usage wider than its
     * column (add backend's), which gets a line of its own. */
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "\nreload                                   "
                                        "read the config file again\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "[slowstart=MS]\n"
                                        "                                         "
                                        "a new backend\n"));
    /* The empty line ends it, and only there. */
    CU_ASSERT_PTR_EQUAL(strstr(help, "\n\n"), help + strlen(help) - 2);
    fx.out.len = 0;
    quit = admin_handle_line(&fx.admin, &fx.capture->log, "quit", 4, &fx.out);
    CU_ASSERT_TRUE(quit);
    admin_answer_printf(&fx.out, "%s", "");
    CU_ASSERT_STRING_EQUAL(fx.out.text, "\n");
    fx.out.len = 0;
    CU_ASSERT_FALSE(admin_handle_line(&fx.admin, &fx.capture->log, "quit x",
                                      6, &fx.out));
    fixture_close(&fx);
}

static void test_show(void)
{
    struct admin_fixture fx;
    const char *info;

    fixture_open(&fx);
    expect(&fx, "show backends",
           "name=b1 addr=127.0.0.1:9090 health=up admin=ready ejected=0 "
           "active=0 weight=1 eweight=1 maxconn=0 picks=0 failures=0 "
           "ejections=0\n"
           "name=b2 addr=127.0.0.1:9091 health=up admin=ready ejected=0 "
           "active=0 weight=1 eweight=1 maxconn=0 picks=0 failures=0 "
           "ejections=0\n\n");
    /* No worker, no session. */
    expect(&fx, "show sessions", "\n");
    info = run(&fx, "show info");
    CU_ASSERT_PTR_NOT_NULL(strstr(info, "pid="));
    CU_ASSERT_PTR_NOT_NULL(strstr(info, " uptime_ms="));
    CU_ASSERT_PTR_NOT_NULL(strstr(info, " balance=leastconn config=- "
                                  "control=/tmp/test.sock backends=2 "
                                  "reloads=0 accepted=0 live=0 "));
    CU_ASSERT_EQUAL(strcmp(info + strlen(info) - 2, "\n\n"), 0);
    fixture_close(&fx);
}

/* ---- changes and errors ----------------------------------------------- */

static void test_changes(void)
{
    struct admin_fixture fx;
    struct log_capture *lc;

    fixture_open(&fx);
    lc = fx.capture;
    expect(&fx, "disable b1", "ok seq=1 be=b1 admin=disabled active=0\n\n");
    /* No change, no event: no seq. */
    expect(&fx, "disable b1", "ok be=b1 admin=disabled active=0\n\n");
    expect(&fx, "enable b1", "ok seq=2 be=b1 admin=ready active=0\n\n");
    expect(&fx, "set weight b2 4", "ok seq=3 be=b2 weight=4 was=1\n\n");
    expect(&fx, "set maxconn b2 9", "ok seq=4 be=b2 maxconn=9 was=0\n\n");
    expect(&fx, "add backend b3 127.0.0.1:9092 weight=2",
           "ok seq=5 be=b3 addr=127.0.0.1:9092 weight=2 maxconn=0\n\n");
    expect(&fx, "drain b3", "ok seq=6 be=b3 admin=draining active=0\n\n");
    expect(&fx, "remove backend b3", "ok seq=8 be=b3\n\n");
    expect(&fx, "remove backend b3", "error: no backend 'b3' (show backends "
           "lists them)\n\n");
    CU_ASSERT_TRUE(log_capture_wait(lc, "ev=control cmd=\"remove backend "
                                    "b3\" status=error err=\"no backend "
                                    "'b3' (show backends lists them)\"\n", 1,
                                    1000));
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=admin be=b1 seq=1 "
                                      "admin=disabled by=control active=0\n",
                                      0, 0), 1);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=weight be=b2 seq=3 weight=4 "
                                      "was=1 by=control\n", 0, 0), 1);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=backend_added be=b3 seq=5 "
                                      "addr=127.0.0.1:9092 weight=2 "
                                      "maxconn=0 by=control\n", 0, 0), 1);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=backend_removed be=b3 seq=8 "
                                      "by=control\n", 0, 0), 1);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=control cmd=\"disable b1\" "
                                      "status=ok\n", 0, 0), 2);
    CU_ASSERT_EQUAL(log_capture_count(lc, "ev=control ", 0, 0), 9);
    fixture_close(&fx);
}

static void test_errors(void)
{
    static const char *const unknown[] = {
        "disable nope", "enable nope", "drain nope", "set weight nope 2",
        "set maxconn nope 2", "remove backend nope",
    };
    struct admin_fixture fx;
    struct balancer_change change;
    char line[64];
    int index;

    fixture_open(&fx);
    for (size_t i = 0; i < COUNT_OF(unknown); i++)
        expect(&fx, unknown[i], "error: no backend 'nope' (show backends "
               "lists them)\n\n");
    expect(&fx, "remove backend b1", "error: backend 'b1' is ready: disable "
           "or drain it first\n\n");
    index = balancer_pick(fx.balancer, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(index, 0);
    expect(&fx, "drain b1", "ok seq=2 be=b1 admin=draining active=1\n\n");
    expect(&fx, "remove backend b1", "error: backend 'b1' still has 1 active "
           "sessions: remove it once it has drained\n\n");
    balancer_release(fx.balancer, 0, BALANCER_RELEASE_OK, &change);
    expect(&fx, "remove backend b1", "ok seq=5 be=b1\n\n");
    expect(&fx, "add backend b2 127.0.0.1:9", "error: backend 'b2' exists "
           "already\n\n");
    for (int i = 3; i <= BALANCER_MAX_BACKENDS; i++) {
        snprintf(line, sizeof(line), "add backend x%d 127.0.0.1:%d", i,
                 1000 + i);
        CU_ASSERT_EQUAL(strncmp(run(&fx, line), "ok seq=", 7), 0);
    }
    expect(&fx, "add backend y 127.0.0.1:9", "error: all 64 backend slots "
           "are used (a removed backend's slot is not used again)\n\n");
    expect(&fx, "reload", "error: no config file to reload\n\n");
    expect(&fx, "drain \x1b]0;x\x07", "error: no backend '\\x1b]0;x\\x07' "
           "(show backends lists them)\n\n");
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=control cmd=\"drain "
                                    "\\\\x1b]0;x\\\\x07\" status=error", 1,
                                    1000));
    CU_ASSERT_TRUE(log_capture_wait(fx.capture, "ev=reload status=failed "
                                    "source=control err=\"no config file to "
                                    "reload\"\n", 1, 1000));
    CU_ASSERT_PTR_NULL(strchr(fx.capture->text, '\x1b'));
    CU_ASSERT_PTR_NULL(strchr(fx.capture->text, '\x07'));
    fixture_close(&fx);
}

static CU_TestInfo tests[] = {
    { "parse: every command and its operands", test_parse_commands },
    { "parse: add backend reads a -b backend", test_parse_add_backend },
    { "parse: every kind of bad line, escaped", test_parse_errors },
    { "lines: 1024 bytes, '\\r', longer, NUL", test_line_limits },
    { "help lists every command; quit", test_help_and_quit },
    { "show backends and show info", test_show },
    { "changes: answers with seq and events by=control", test_changes },
    { "errors of every command", test_errors },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(admin, tests)
