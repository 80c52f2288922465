/*
 * test_admin_reload: the reload command and reload_run, on config files
 * under /tmp.
 *
 *   apply      a file that adds b3, drops b2 and changes b1's weight and
 *              maxconn: b3 added, b1 set, b2 drained and, once its session
 *              ends, removed by reload_poll; the ev=reload line counts them
 *   live       connect-timeout, idle-timeout, rise, fall and the health
 *              interval reach the running config
 *   fixed      threads, balance, listen and queue changed in the file are
 *              logged ev=reload_fixed and keep their values; turning health
 *              checks off is fixed too
 *   refused    an invalid file answers "PATH:LINE: why"; a backend whose
 *              address changed answers why; either way nothing changed
 *   cli        a value given on the command line wins over the file at a
 *              reload as at start
 *   back       a backend that a reload drained, back in the next file
 *              before it was removed, is made ready again
 */
#include <CUnit/CUnit.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "balancer.h"
#include "config.h"
#include "log_capture.h"
#include "reload.h"
#include "session.h"
#include "testlib.h"

#define MAX_ARGS 8

struct reload_fixture {
    char path[64];
    char *argv[MAX_ARGS + 1];
    int argc;
    struct config started;
    struct config live;
    struct balancer *balancer;
    struct reload *reload;
    struct log_capture *capture;
    struct proxy_shared shared;
    struct admin admin;
    struct admin_answer out;
};

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");

    CU_ASSERT_FATAL(file != NULL);
    fputs(text, file);
    fclose(file);
}

/* Starts as main() does: "proxy_server -c FILE" and the extra args, with
 * the file holding text. */
static void fixture_open(struct reload_fixture *fx, const char *text,
                         const char *const *extra)
{
    char err[CONFIG_ERR_MAX];
    char *argv[MAX_ARGS + 1];
    int fd;

    memset(fx, 0, sizeof(*fx));
    strcpy(fx->path, "/tmp/test_admin_reload.XXXXXX");
    fd = mkstemp(fx->path);
    CU_ASSERT_FATAL(fd != -1);
    close(fd);
    write_file(fx->path, text);
    fx->argv[fx->argc++] = "proxy_server";
    fx->argv[fx->argc++] = "-c";
    fx->argv[fx->argc++] = fx->path;
    for (; extra != NULL && *extra != NULL; extra++)
        fx->argv[fx->argc++] = (char *)*extra;
    memcpy(argv, fx->argv, sizeof(argv));
    config_defaults(&fx->started);
    CU_ASSERT_FATAL(config_parse(&fx->started, fx->argc, argv, stdout, err,
                                 sizeof(err)) == CONFIG_RUN);
    fx->live = fx->started;
    fx->balancer = balancer_create(fx->live.backends, fx->live.backend_count,
                                   BALANCER_LEASTCONN, false, 1);
    CU_ASSERT_FATAL(fx->balancer != NULL);
    fx->reload = reload_create(fx->argc, fx->argv, &fx->started, &fx->live,
                               fx->balancer);
    CU_ASSERT_FATAL(fx->reload != NULL);
    fx->capture = malloc(sizeof(*fx->capture));
    CU_ASSERT_FATAL(fx->capture != NULL);
    CU_ASSERT_FATAL(log_capture_open(fx->capture, LOG_INFO) == 0);
    fx->shared.config = &fx->live;
    fx->admin = (struct admin){ .balancer = fx->balancer,
                                .shared = &fx->shared, .reload = fx->reload,
                                .control_path = "" };
}

static void fixture_close(struct reload_fixture *fx)
{
    admin_answer_free(&fx->out);
    reload_destroy(fx->reload);
    balancer_destroy(fx->balancer);
    log_capture_close(fx->capture);
    free(fx->capture);
    unlink(fx->path);
}

/* The answer to one control command line (valid until the next call). */
static const char *command(struct reload_fixture *fx, const char *line)
{
    fx->out.len = 0;
    admin_handle_line(&fx->admin, &fx->capture->log, line, strlen(line),
                      &fx->out);
    admin_answer_printf(&fx->out, "%s", "");
    return fx->out.text;
}

/* The answer to the reload command (valid until the next call). */
static const char *reload_command(struct reload_fixture *fx)
{
    return command(fx, "reload");
}

/* The slot's row as the balancer has it now. */
static struct balancer_stats row_of(struct reload_fixture *fx, int index)
{
    struct balancer_stats rows[BALANCER_MAX_BACKENDS];

    balancer_snapshot(fx->balancer, rows);
    return rows[index];
}

static bool logged(struct reload_fixture *fx, const char *needle)
{
    bool found = log_capture_wait(fx->capture, needle, 1, 1000);

    if (!found)
        fprintf(stderr, "\nnot logged: %s\nlog:\n%s\n", needle,
                fx->capture->text);
    return found;
}

static void test_apply_backends(void)
{
    struct reload_fixture fx;
    struct balancer_change change;
    struct balancer_stats b1;
    char needle[256];
    int on_b2;

    fixture_open(&fx, "backend b1=127.0.0.1:9001\n"
                      "backend b2=127.0.0.1:9002\n", NULL);
    /* A session on b2 holds its removal back. */
    balancer_set_admin(fx.balancer, 0, BALANCER_DISABLED,
                       &(struct balancer_events){ 0 });
    on_b2 = balancer_pick(fx.balancer, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(on_b2, 1);
    balancer_set_admin(fx.balancer, 0, BALANCER_READY,
                       &(struct balancer_events){ 0 });
    write_file(fx.path, "# b2 goes, b3 comes, b1 changes\n"
                        "backend b1=127.0.0.1:9001,weight=3,maxconn=5\n"
                        "backend b3=127.0.0.1:9003\n");
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), "ok added=1 removed=1 "
                           "changed=1 fixed=0\n\n");
    b1 = row_of(&fx, 0);
    CU_ASSERT_EQUAL(b1.weight, 3);
    CU_ASSERT_EQUAL(b1.maxconn, 5);
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b3"), 2);
    CU_ASSERT_EQUAL(row_of(&fx, 1).admin, BALANCER_DRAINING);
    CU_ASSERT_TRUE(logged(&fx, "ev=backend_added be=b3 seq="));
    CU_ASSERT_TRUE(logged(&fx, " addr=127.0.0.1:9003 weight=1 maxconn=0 "
                          "by=reload\n"));
    CU_ASSERT_TRUE(logged(&fx, " weight=3 was=1 by=reload\n"));
    CU_ASSERT_TRUE(logged(&fx, " maxconn=5 was=0 by=reload\n"));
    CU_ASSERT_TRUE(logged(&fx, "ev=admin be=b2 seq="));
    CU_ASSERT_TRUE(logged(&fx, " admin=draining by=reload active=1\n"));
    snprintf(needle, sizeof(needle), "ev=reload status=ok source=control "
             "file=%s added=1 removed=1 changed=1 fixed=0\n", fx.path);
    CU_ASSERT_TRUE(logged(&fx, needle));
    /* Still a session on it: b2 stays, and the poll says so. */
    CU_ASSERT_TRUE(reload_poll(fx.reload, &fx.capture->log));
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b2"), 1);
    balancer_release(fx.balancer, 1, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_FALSE(reload_poll(fx.reload, &fx.capture->log));
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b2"), -1);
    CU_ASSERT_TRUE(logged(&fx, "ev=backend_removed be=b2 seq="));
    CU_ASSERT_EQUAL(reload_count(fx.reload), 1);
    /* The same file again changes nothing. */
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), "ok added=0 removed=0 "
                           "changed=0 fixed=0\n\n");
    fixture_close(&fx);
}

static void test_live_and_fixed(void)
{
    struct reload_fixture fx;
    struct reload_result result;

    fixture_open(&fx, "threads 2\nbalance leastconn\nhealth-interval 1s\n",
                 NULL);
    write_file(fx.path, "threads 3\nbalance random\nlisten 127.0.0.1:1\n"
                        "connect-timeout 250ms\nidle-timeout 7s\n"
                        "health-interval 300ms\nrise 4\nfall 5\nqueue 9\n");
    CU_ASSERT_EQUAL(reload_run(fx.reload, RELOAD_SIGNAL, &fx.capture->log,
                               &result), 0);
    CU_ASSERT_EQUAL(result.fixed, 4);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.connect_timeout_ms), 250);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 7000);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.health_interval_ms), 300);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.rise), 4);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.fall), 5);
    CU_ASSERT_EQUAL(fx.live.threads, 2);
    CU_ASSERT_EQUAL(fx.live.balance, BALANCER_LEASTCONN);
    CU_ASSERT_TRUE(logged(&fx, "ev=reload_fixed option=threads\n"));
    CU_ASSERT_TRUE(logged(&fx, "ev=reload_fixed option=balance\n"));
    CU_ASSERT_TRUE(logged(&fx, "ev=reload_fixed option=listen\n"));
    CU_ASSERT_TRUE(logged(&fx, "ev=reload_fixed option=queue\n"));
    CU_ASSERT_EQUAL(fx.live.tuning.queue_max, 0);
    CU_ASSERT_TRUE(logged(&fx, "ev=reload status=ok source=signal file="));
    CU_ASSERT_TRUE(logged(&fx, " added=0 removed=0 changed=0 fixed=4\n"));
    /* Checks cannot be turned off: the interval stays as it is. */
    write_file(fx.path, "threads 2\nhealth-interval 0\n");
    CU_ASSERT_EQUAL(reload_run(fx.reload, RELOAD_SIGNAL, &fx.capture->log,
                               &result), 0);
    CU_ASSERT_EQUAL(result.fixed, 1);
    CU_ASSERT_TRUE(logged(&fx, "ev=reload_fixed option=health-interval\n"));
    CU_ASSERT_EQUAL(atomic_load(&fx.live.health_interval_ms), 300);
    /* Back to the defaults: idle-timeout 60s. */
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 60000);
    fixture_close(&fx);
}

static void test_refused(void)
{
    struct reload_fixture fx;
    char want[256];

    fixture_open(&fx, "backend b1=127.0.0.1:9001\nidle-timeout 5s\n", NULL);
    write_file(fx.path, "backend b1=127.0.0.1:9001\nidle-timeout 9s\n"
                        "backend b2=127.0.0.1:9002\nthreads lots\n");
    snprintf(want, sizeof(want), "error: %s:4: threads 'lots': must be a "
             "whole number from 1 to 256\n\n", fx.path);
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), want);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 5000);
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b2"), -1);
    CU_ASSERT_TRUE(logged(&fx, "ev=reload status=failed source=control "
                          "file="));
    CU_ASSERT_TRUE(logged(&fx, ":4: threads 'lots': must be a whole number "
                          "from 1 to 256\"\n"));
    write_file(fx.path, "backend b1=127.0.0.1:9009\nidle-timeout 9s\n"
                        "backend b2=127.0.0.1:9002\n");
    snprintf(want, sizeof(want), "error: %s: backend b1 cannot move from "
             "127.0.0.1:9001 to 127.0.0.1:9009 while the proxy runs: give "
             "the new address a new name\n\n", fx.path);
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), want);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 5000);
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b2"), -1);
    unlink(fx.path);
    snprintf(want, sizeof(want), "error: cannot read config '%s': No such "
             "file or directory\n\n", fx.path);
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), want);
    CU_ASSERT_EQUAL(reload_count(fx.reload), 0);
    fixture_close(&fx);
}

static void test_command_line_wins(void)
{
    static const char *const extra[] = { "--idle-timeout", "2s", "-b",
                                         "c1=127.0.0.1:9101", NULL };
    struct reload_fixture fx;

    fixture_open(&fx, "idle-timeout 5s\nbackend b1=127.0.0.1:9001\n", extra);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 2000);
    write_file(fx.path, "idle-timeout 8s\nconnect-timeout 1s\n"
                        "backend b1=127.0.0.1:9001\nbackend "
                        "b2=127.0.0.1:9002\n");
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), "ok added=0 removed=0 "
                           "changed=0 fixed=0\n\n");
    CU_ASSERT_EQUAL(atomic_load(&fx.live.idle_timeout_ms), 2000);
    CU_ASSERT_EQUAL(atomic_load(&fx.live.connect_timeout_ms), 1000);
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "c1"), 0);
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b2"), -1);
    fixture_close(&fx);
}

/* b1 and b2; b1 holds a session, and a reload of a file without it
 * drains it to be removed once that session ends. */
static void drain_b1_by_reload(struct reload_fixture *fx)
{
    fixture_open(fx, "backend b1=127.0.0.1:9001\n"
                     "backend b2=127.0.0.1:9002\n", NULL);
    CU_ASSERT_EQUAL_FATAL(balancer_pick(fx->balancer, 0, NULL), 0);
    write_file(fx->path, "backend b2=127.0.0.1:9002\n");
    CU_ASSERT_STRING_EQUAL(reload_command(fx), "ok added=0 removed=1 "
                           "changed=0 fixed=0\n\n");
}

static void test_back_before_removed(void)
{
    struct reload_fixture fx;
    struct balancer_change change;

    drain_b1_by_reload(&fx);
    CU_ASSERT_EQUAL(row_of(&fx, 0).admin, BALANCER_DRAINING);
    write_file(fx.path, "backend b1=127.0.0.1:9001\n"
                        "backend b2=127.0.0.1:9002\n");
    CU_ASSERT_STRING_EQUAL(reload_command(&fx), "ok added=0 removed=0 "
                           "changed=0 fixed=0\n\n");
    CU_ASSERT_EQUAL(row_of(&fx, 0).admin, BALANCER_READY);
    balancer_release(fx.balancer, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_FALSE(reload_poll(fx.reload, &fx.capture->log));
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b1"), 0);
    fixture_close(&fx);
}

/* enable on a backend a reload drained to remove calls the removal off at
 * once: a disable that follows, before any poll, leaves it disabled and
 * kept, and the poll removes nothing. */
static void test_enable_calls_removal_off(void)
{
    struct reload_fixture fx;
    struct balancer_change change;

    drain_b1_by_reload(&fx);
    CU_ASSERT_TRUE(strncmp(command(&fx, "enable b1"), "ok ", 3) == 0);
    CU_ASSERT_TRUE(logged(&fx, "ev=removal_cancelled be=b1 by=control\n"));
    CU_ASSERT_TRUE(strncmp(command(&fx, "disable b1"), "ok ", 3) == 0);
    balancer_release(fx.balancer, 0, BALANCER_RELEASE_OK, &change);
    CU_ASSERT_FALSE(reload_poll(fx.reload, &fx.capture->log));
    CU_ASSERT_EQUAL(balancer_find(fx.balancer, "b1"), 0);
    CU_ASSERT_EQUAL(row_of(&fx, 0).admin, BALANCER_DISABLED);
    /* Nothing pending any more: enable again logs no second call-off. */
    CU_ASSERT_TRUE(strncmp(command(&fx, "enable b1"), "ok ", 3) == 0);
    log_capture_read(fx.capture);
    CU_ASSERT_EQUAL(log_capture_count(fx.capture, "ev=removal_cancelled", 0,
                                      0), 1);
    fixture_close(&fx);
}

static CU_TestInfo tests[] = {
    { "backends added, changed, drained then removed", test_apply_backends },
    { "live options stored, fixed ones logged", test_live_and_fixed },
    { "bad file, moved backend: an error, no change", test_refused },
    { "the command line wins at a reload too", test_command_line_wins },
    { "a drained backend back in the file is ready", test_back_before_removed },
    { "enable calls a pending removal off", test_enable_calls_removal_off },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(admin_reload, tests)
