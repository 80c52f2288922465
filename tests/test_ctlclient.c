/*
 * test_ctlclient: the harness's client of the proxy's control socket
 * (harness_src/ctlclient.c) against a fake server on a UNIX socket in a
 * thread: a whole answer, an error answer, a server that never answers
 * (bounded in time), one that closes before the empty line, and no server.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctlclient.h"
#include "testlib.h"

/* One fake server: accepts once, reads a line, writes reply (NULL: waits
 * for the client to go, writing nothing). */
struct fake {
    int listen_fd;
    const char *reply;
    char received[256];
    char path[108];
};

static void *serve_once(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->listen_fd, NULL, NULL);
    ssize_t n;
    char buf[64];

    if (fd == -1)
        return NULL;
    n = read(fd, f->received, sizeof(f->received) - 1);
    f->received[n > 0 ? n : 0] = '\0';
    if (f->reply != NULL) {
        if (write(fd, f->reply, strlen(f->reply)) < 0)
            perror("fake server write");
    } else {
        while (read(fd, buf, sizeof(buf)) > 0)
            ;
    }
    close(fd);
    return NULL;
}

static void fake_start(struct fake *f, pthread_t *thread, const char *reply)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    memset(f, 0, sizeof(*f));
    f->reply = reply;
    snprintf(f->path, sizeof(f->path), "/tmp/ctlclient-test-%d.sock",
             (int)getpid());
    unlink(f->path);
    memcpy(addr.sun_path, f->path, strlen(f->path) + 1);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(f->listen_fd != -1);
    CU_ASSERT_FATAL(bind(f->listen_fd, (struct sockaddr *)&addr,
                         sizeof(addr)) == 0);
    CU_ASSERT_FATAL(listen(f->listen_fd, 1) == 0);
    CU_ASSERT_FATAL(pthread_create(thread, NULL, serve_once, f) == 0);
}

static void fake_stop(struct fake *f, pthread_t thread)
{
    pthread_join(thread, NULL);
    close(f->listen_fd);
    unlink(f->path);
}

static void test_whole_answer(void)
{
    struct fake f;
    pthread_t thread;
    char answer[256];

    fake_start(&f, &thread, "ok seq=12 be=b1\nsecond line\n\n");
    CU_ASSERT_EQUAL(ctlclient_command(f.path, "drain b1", 2000, answer,
                                      sizeof(answer)), 0);
    CU_ASSERT_STRING_EQUAL(answer, "ok seq=12 be=b1\nsecond line");
    CU_ASSERT_FALSE(ctlclient_is_error(answer));
    fake_stop(&f, thread);
    CU_ASSERT_STRING_EQUAL(f.received, "drain b1\n");
}

static void test_error_answer(void)
{
    struct fake f;
    pthread_t thread;
    char answer[256];

    fake_start(&f, &thread, "error: no backend 'b9'\n\n");
    CU_ASSERT_EQUAL(ctlclient_command(f.path, "drain b9", 2000, answer,
                                      sizeof(answer)), 0);
    CU_ASSERT_STRING_EQUAL(answer, "error: no backend 'b9'");
    CU_ASSERT_TRUE(ctlclient_is_error(answer));
    fake_stop(&f, thread);
}

/* A server that never answers holds the client no longer than its bound. */
static void test_no_answer_is_bounded(void)
{
    struct fake f;
    pthread_t thread;
    char answer[256];
    uint64_t start = clock_now_ms();

    fake_start(&f, &thread, NULL);
    CU_ASSERT_EQUAL(ctlclient_command(f.path, "reload", 200, answer,
                                      sizeof(answer)), -1);
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
    CU_ASSERT(clock_now_ms() - start < 1000);
    fake_stop(&f, thread);
}

static void test_cut_answer_and_no_server(void)
{
    struct fake f;
    pthread_t thread;
    char answer[256];

    fake_start(&f, &thread, "ok seq=1\n");
    CU_ASSERT_EQUAL(ctlclient_command(f.path, "enable b1", 2000, answer,
                                      sizeof(answer)), -1);
    CU_ASSERT_EQUAL(errno, EPROTO);
    CU_ASSERT_STRING_EQUAL(answer, "ok seq=1\n");
    fake_stop(&f, thread);
    CU_ASSERT_EQUAL(ctlclient_command(f.path, "enable b1", 2000, answer,
                                      sizeof(answer)), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
}

static CU_TestInfo ctlclient_tests[] = {
    { "a whole answer, up to its empty line", test_whole_answer },
    { "an error answer", test_error_answer },
    { "no answer: bounded in time", test_no_answer_is_bounded },
    { "an answer cut short, no server", test_cut_answer_and_no_server },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(ctlclient, ctlclient_tests)
