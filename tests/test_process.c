/*
 * test_process: the process set-up every program shares (common/process.c):
 * the descriptor limit raised to the hard limit and reported, stop signals
 * through a handler that only runs under the wait mask, and through a
 * signalfd. Each test restores the signal mask and dispositions it changed.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log_capture.h"
#include "process.h"
#include "testlib.h"

static volatile sig_atomic_t caught;

static void on_signal(int signo)
{
    caught = signo;
}

static void test_fd_limit_raised(void)
{
    struct rlimit lim;
    long limit;

    CU_ASSERT_EQUAL(process_raise_fd_limit(&limit), 0);
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &lim), 0);
    CU_ASSERT(lim.rlim_cur == lim.rlim_max);
    CU_ASSERT_EQUAL(limit, lim.rlim_cur == RLIM_INFINITY
                           ? -1 : (long)lim.rlim_cur);
}

/* The logged form returns the same limit and logs nothing when it works. */
static void test_fd_limit_raised_logged(void)
{
    struct log_capture lc;
    long limit;

    CU_ASSERT_EQUAL_FATAL(log_capture_open(&lc, LOG_DEBUG), 0);
    CU_ASSERT_EQUAL(process_raise_fd_limit(&limit), 0);
    CU_ASSERT_EQUAL(process_raise_fd_limit_logged(&lc.log), limit);
    log_capture_read(&lc);
    CU_ASSERT_STRING_EQUAL(lc.text, "");
    log_capture_close(&lc);
}

/* The handler runs only under the wait mask, where the loop waits. */
static void test_catch_signals_with_wait_mask(void)
{
    static const int signals[] = { SIGUSR2 };
    sigset_t before, wait_mask;

    sigprocmask(SIG_SETMASK, NULL, &before);
    caught = 0;
    CU_ASSERT_EQUAL_FATAL(process_catch_signals(signals, 1, on_signal,
                                                &wait_mask), 0);
    CU_ASSERT_FALSE(sigismember(&wait_mask, SIGUSR2));
    raise(SIGUSR2);
    CU_ASSERT_EQUAL(caught, 0);
    sigsuspend(&wait_mask);
    CU_ASSERT_EQUAL(caught, SIGUSR2);
    CU_ASSERT_EQUAL(signal(SIGPIPE, SIG_DFL), SIG_IGN);
    signal(SIGUSR2, SIG_DFL);
    sigprocmask(SIG_SETMASK, &before, NULL);
}

static void test_signalfd_reads_blocked_signals(void)
{
    struct signalfd_siginfo info;
    sigset_t before, set;
    int fd;

    sigprocmask(SIG_SETMASK, NULL, &before);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    fd = process_signalfd(&set);
    CU_ASSERT_FATAL(fd >= 0);
    raise(SIGUSR1);
    CU_ASSERT_EQUAL(read(fd, &info, sizeof(info)), (ssize_t)sizeof(info));
    CU_ASSERT_EQUAL(info.ssi_signo, SIGUSR1);
    close(fd);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &before, NULL);
}

static CU_TestInfo cases[] = {
    { "the descriptor limit raised to the hard limit", test_fd_limit_raised },
    { "the fd limit, logged", test_fd_limit_raised_logged },
    { "handlers run only under the wait mask",
      test_catch_signals_with_wait_mask },
    { "a signalfd reads the blocked signals",
      test_signalfd_reads_blocked_signals },
    CU_TEST_INFO_NULL,
};

TEST_SUITE(process, cases)
