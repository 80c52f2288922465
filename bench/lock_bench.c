/*
 * lock_bench: how much time worker threads spend in the balancer's lock.
 *
 * Every thread loops over the proxy's own balancer_pick/balancer_release
 * (proxy/balancer.c, linked in unchanged), doing W ns of other work per
 * pick+release pair, half after each call, as a worker does between a
 * session's start and its end. Each call is timed from outside, so a call's
 * time is the wait for the mutex plus the critical section:
 *
 *     t0  balancer_pick  t1  work W/2  t2  balancer_release  t3  work W/2
 *         `--- in_lock += (t1 - t0) + (t3 - t2) - 2 x timer cost ---'
 *
 * The timer's own cost (one clock_gettime, measured at start) is taken
 * off. For each W and each thread count the run is repeated --reps times,
 * the thread counts interleaved round by round, and the medians printed:
 *
 *     work_ns threads  Mpairs/s  ns/pair  in_lock%
 *
 * Mpairs/s is the whole process's rate, ns/pair the time one pick+release
 * takes inside the calls (waiting included), in_lock% the share of the
 * threads' (wall-clock) time spent inside them. With W = 0 the threads do
 * nothing but fight for the lock: the worst case. A real proxy spends tens
 * of microseconds of CPU per connection (bench/compare.sh measures it and
 * passes it as the last W).
 *
 *     lock_bench [--threads 1,2,4,8] [--work-ns 0,1000,10000]
 *                [--ms 300] [--reps 5] [--backends 2]
 *
 * Build (bench/compare.sh does it; COMMON stands for every common .c file):
 *     cc -O2 -D_GNU_SOURCE -Icommon -Iproxy bench/lock_bench.c \
 *        proxy/balancer.c COMMON -lpthread -lm
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "balancer.h"
#include "clock.h"

#define BENCH_MAX_LIST 16
#define BENCH_MAX_THREADS 64
#define BENCH_MAX_REPS 31

/* The command line. */
struct bench_options {
    int threads[BENCH_MAX_LIST];
    size_t thread_counts;
    long work_ns[BENCH_MAX_LIST];
    size_t work_counts;
    long duration_ms;
    int reps;
    size_t backends;
};

/* What every thread of one run shares; read-only but for stop. */
struct bench_shared {
    struct balancer *balancer;
    uint64_t spin_half;         /* spin iterations for W/2 */
    uint64_t timer_ns;          /* cost of one clock_now_ns() */
    atomic_bool stop;
    pthread_barrier_t start;
};

/* One thread's counts; written by that thread alone. */
struct bench_thread {
    pthread_t thread;
    struct bench_shared *shared;
    uint64_t pairs;
    uint64_t in_lock_ns;
    uint64_t total_ns;
};

/* One run's result. */
struct bench_result {
    double mpairs_per_s;
    double ns_per_pair;
    double in_lock_share;
};

/* Busy work the compiler may not remove. Not inlined: the speed of such a
 * loop depends on where it sits in memory, so the calibration must time
 * the very copy the threads run. */
__attribute__((noinline)) static void spin(uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++)
        __asm__ __volatile__("" ::: "memory");
}

/* Spin iterations per nanosecond on this machine (one thread): the fastest
 * of several tries, since being preempted can only make a try slower. */
static double calibrate_spin(void)
{
    uint64_t iterations = 2 * 1000 * 1000;
    double best = 0;

    for (int i = 0; i < 20; i++) {
        uint64_t t0 = clock_now_ns();
        double rate;

        spin(iterations);
        rate = (double)iterations / (double)(clock_now_ns() - t0);
        if (rate > best)
            best = rate;
    }
    return best;
}

/* The cost of one clock_now_ns() call, in ns (the minimum of many). */
static uint64_t calibrate_timer(void)
{
    uint64_t best = UINT64_MAX;

    for (int i = 0; i < 100000; i++) {
        uint64_t t0 = clock_now_ns();
        uint64_t t1 = clock_now_ns();

        if (t1 - t0 < best)
            best = t1 - t0;
    }
    return best;
}

static void *bench_thread_main(void *arg)
{
    struct bench_thread *t = arg;
    struct bench_shared *sh = t->shared;
    struct balancer_view view;
    struct balancer_change change;
    uint64_t start, in_lock = 0, pairs = 0;

    pthread_barrier_wait(&sh->start);
    start = clock_now_ns();
    while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        uint64_t t0 = clock_now_ns(), t1, t2, t3;
        int index = balancer_pick(sh->balancer, 0, &view);

        t1 = clock_now_ns();
        spin(sh->spin_half);
        t2 = clock_now_ns();
        balancer_release(sh->balancer, (size_t)index, BALANCER_RELEASE_OK,
                         &change);
        t3 = clock_now_ns();
        spin(sh->spin_half);
        in_lock += (t1 - t0) + (t3 - t2);
        pairs++;
    }
    t->total_ns = clock_now_ns() - start;
    t->pairs = pairs;
    /* Each interval holds about one timer call of its own. */
    t->in_lock_ns = in_lock > 2 * pairs * sh->timer_ns
                    ? in_lock - 2 * pairs * sh->timer_ns : 0;
    return NULL;
}

/* Makes a balancer over count backends (leastconn, all up). */
static struct balancer *make_balancer(size_t count)
{
    struct balancer_backend_spec specs[BALANCER_MAX_BACKENDS];

    memset(specs, 0, sizeof(specs));
    for (size_t i = 0; i < count; i++) {
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&specs[i].addr.sa;

        snprintf(specs[i].name, sizeof(specs[i].name), "b%zu", i + 1);
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)(9000 + i));
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        specs[i].addr.len = sizeof(*sin);
        specs[i].weight = 1;
    }
    return balancer_create(specs, count, BALANCER_LEASTCONN, false, 1);
}

/* Runs nthreads threads for the configured time. Returns 0 or -1. */
static int run_once(const struct bench_options *opt, int nthreads,
                    uint64_t spin_half, uint64_t timer_ns,
                    struct bench_result *out)
{
    struct bench_shared sh = { .spin_half = spin_half, .timer_ns = timer_ns };
    struct bench_thread threads[BENCH_MAX_THREADS];
    struct timespec pause = { opt->duration_ms / 1000,
                              (opt->duration_ms % 1000) * 1000000 };
    uint64_t pairs = 0, in_lock = 0, total = 0;

    sh.balancer = make_balancer(opt->backends);
    if (sh.balancer == NULL)
        return -1;
    atomic_init(&sh.stop, false);
    pthread_barrier_init(&sh.start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        threads[i] = (struct bench_thread){ .shared = &sh };
        pthread_create(&threads[i].thread, NULL, bench_thread_main, &threads[i]);
    }
    pthread_barrier_wait(&sh.start);
    nanosleep(&pause, NULL);
    atomic_store(&sh.stop, true);
    for (int i = 0; i < nthreads; i++) {
        pthread_join(threads[i].thread, NULL);
        pairs += threads[i].pairs;
        in_lock += threads[i].in_lock_ns;
        total += threads[i].total_ns;
    }
    pthread_barrier_destroy(&sh.start);
    balancer_destroy(sh.balancer);
    out->mpairs_per_s = (double)pairs / ((double)total / nthreads) * 1e3;
    out->ns_per_pair = (double)in_lock / (double)pairs;
    out->in_lock_share = (double)in_lock / (double)total;
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The median of values[0..count); sorts them. */
static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof(*values), compare_doubles);
    return count % 2 ? values[count / 2]
                     : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/* Parses "1,2,4" into list; returns how many, or 0 on error. */
static size_t parse_list(const char *text, long *list, long min, long max)
{
    size_t count = 0;
    char *end;

    while (*text != '\0' && count < BENCH_MAX_LIST) {
        errno = 0;
        list[count] = strtol(text, &end, 10);
        if (errno != 0 || end == text || list[count] < min || list[count] > max)
            return 0;
        count++;
        if (*end == '\0')
            return count;
        if (*end != ',')
            return 0;
        text = end + 1;
    }
    return 0;
}

/* Fills opt from the command line. Returns 0, or -1 on bad usage. */
static int parse_args(int argc, char **argv, struct bench_options *opt)
{
    long threads[BENCH_MAX_LIST];

    *opt = (struct bench_options){ .duration_ms = 300, .reps = 5, .backends = 2,
                                   .threads = { 1, 2, 4, 8 }, .thread_counts = 4,
                                   .work_ns = { 0, 1000, 10000 },
                                   .work_counts = 3 };
    for (int i = 1; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        long number = value ? strtol(value, NULL, 10) : -1;

        if (value == NULL)
            return -1;
        if (strcmp(argv[i], "--threads") == 0) {
            opt->thread_counts = parse_list(value, threads, 1, BENCH_MAX_THREADS);
            for (size_t k = 0; k < opt->thread_counts; k++)
                opt->threads[k] = (int)threads[k];
        } else if (strcmp(argv[i], "--work-ns") == 0) {
            opt->work_counts = parse_list(value, opt->work_ns, 0, 100000000);
        } else if (strcmp(argv[i], "--ms") == 0 && number > 0) {
            opt->duration_ms = number;
        } else if (strcmp(argv[i], "--reps") == 0 && number > 0 &&
                   number <= BENCH_MAX_REPS) {
            opt->reps = (int)number;
        } else if (strcmp(argv[i], "--backends") == 0 && number > 0 &&
                   number <= BALANCER_MAX_BACKENDS) {
            opt->backends = (size_t)number;
        } else {
            return -1;
        }
    }
    return opt->thread_counts > 0 && opt->work_counts > 0 ? 0 : -1;
}

/* Runs every thread count reps times for one W, interleaved, and prints
 * the medians. Returns 0 or -1. */
static int bench_work(const struct bench_options *opt, long work_ns,
                      double spin_per_ns, uint64_t timer_ns)
{
    double rate[BENCH_MAX_LIST][BENCH_MAX_REPS];
    double ns[BENCH_MAX_LIST][BENCH_MAX_REPS];
    double share[BENCH_MAX_LIST][BENCH_MAX_REPS];
    uint64_t spin_half = (uint64_t)(spin_per_ns * (double)work_ns / 2);

    for (int rep = 0; rep < opt->reps; rep++) {
        for (size_t k = 0; k < opt->thread_counts; k++) {
            /* Rotate the order so drift does not always hit the same count. */
            size_t i = (k + (size_t)rep) % opt->thread_counts;
            struct bench_result r;

            if (run_once(opt, opt->threads[i], spin_half, timer_ns, &r) == -1)
                return -1;
            rate[i][rep] = r.mpairs_per_s;
            ns[i][rep] = r.ns_per_pair;
            share[i][rep] = r.in_lock_share;
        }
    }
    for (size_t i = 0; i < opt->thread_counts; i++)
        printf("%7ld %7d %9.3f %8.0f %8.2f\n", work_ns, opt->threads[i],
               median(rate[i], opt->reps), median(ns[i], opt->reps),
               100 * median(share[i], opt->reps));
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_options opt;
    double spin_per_ns;
    uint64_t timer_ns;

    if (parse_args(argc, argv, &opt) == -1) {
        fprintf(stderr, "Usage: lock_bench [--threads 1,2,4,8] "
                "[--work-ns 0,1000,10000] [--ms 300] [--reps 5] "
                "[--backends 2]\n");
        return 2;
    }
    spin_per_ns = calibrate_spin();
    timer_ns = calibrate_timer();
    printf("# lock_bench: %zu backends, leastconn, %ld ms x %d reps per cell "
           "(medians), timer cost %llu ns taken off\n", opt.backends,
           opt.duration_ms, opt.reps, (unsigned long long)timer_ns);
    printf("%7s %7s %9s %8s %8s\n", "work_ns", "threads", "Mpairs/s",
           "ns/pair", "in_lock%");
    for (size_t w = 0; w < opt.work_counts; w++) {
        if (bench_work(&opt, opt.work_ns[w], spin_per_ns, timer_ns) == -1) {
            perror("lock_bench");
            return 1;
        }
    }
    return 0;
}
