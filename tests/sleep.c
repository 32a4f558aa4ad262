/* Sleep: a pool with no work parks and burns (almost) no CPU; a burst of
 * one task per worker posted to a parked pool wakes every worker; one
 * hand-on wake reaches as many sleepers as it counts jobs; work posted to a
 * parking pool is never lost (100,000 park/wake races). */
#include "check.h"
#include "internal.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <wsched.h>

static int noop(void *arg)
{
    atomic_fetch_add((_Atomic long *)arg, 1);
    return 0;
}

/* A burst of n tasks, each of which waits (at most 10 s) until all n have
 * started: they all run at once only on n different workers. */
struct burst {
    unsigned n;
    _Atomic unsigned started, together, workers; /* workers: a bit per id */
};

static int wait_all(void *arg)
{
    struct burst *b = arg;
    atomic_fetch_or(&b->workers, 1u << ws_worker_id());
    atomic_fetch_add(&b->started, 1);
    double until = test_now() + 10;
    while (atomic_load(&b->started) < b->n && test_now() < until)
        sched_yield(); /* more workers than CPUs: the others must run */
    if (atomic_load(&b->started) == b->n)
        atomic_fetch_add(&b->together, 1);
    return 0;
}

/* Rounds of a burst of one task per worker, each posted from outside to a
 * pool left idle long enough to park (100 us of search). */
static void burst_rounds(unsigned n)
{
    ws_pool *pool;
    ws_pool_opts o = {.workers = n, .pin = n > ws_default_workers(NULL) ? WS_PIN_NONE : 0};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    for (int round = 0; round < 20; round++) {
        usleep(5000);
        struct burst b = {.n = n};
        ws_future *f[8];
        for (unsigned i = 0; i < n; i++)
            CHECK_EQ(ws_submit(pool, wait_all, &b, &f[i]), 0);
        for (unsigned i = 0; i < n; i++) {
            CHECK_EQ(ws_future_wait(f[i], -1), 0);
            ws_future_release(f[i]);
        }
        CHECK_EQ(atomic_load(&b.together), n);
        CHECK_EQ(atomic_load(&b.workers), (1u << n) - 1);
    }
    printf("sleep: 20 bursts of %u tasks each ran on all %u workers at once\n", n, n);
    CHECK_EQ(ws_pool_destroy(pool), 0);
}

static uint64_t parks(ws_pool *pool)
{
    ws_stats st;
    CHECK_EQ(ws_pool_stats(pool, -1, &st), 0);
    return st.parks;
}

/* Waits (at most 10 s) until all n workers are parked, then 50 ms more so
 * that each is asleep in futex_wait, not about to be. */
static void all_parked(ws_pool *pool, unsigned n)
{
    double end = test_now() + 10;
    /* relaxed: a test's poll; the 50 ms after it do the rest. */
    while (atomic_load_explicit(&pool->nsleep, memory_order_relaxed) < n)
        CHECK(test_now() < end);
    usleep(50000);
}

/* The hand-on's one system call (ws__wake_n) wakes n sleepers, not one
 * that would wake the next: with 4 workers asleep and nothing to do, a
 * wake for 3 jobs returns exactly 3 of them, each of which finds nothing
 * and parks once more. A wake of one at a time would show 1 more park. */
static void wake_n_reaches_several(void)
{
    ws_pool *pool;
    ws_pool_opts o = {.workers = 4, .pin = WS_PIN_NONE, .spin_us = 1};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    all_parked(pool, 4);
    uint64_t p0 = parks(pool);
    ws__wake_n(pool, 3);
    double end = test_now() + 10;
    while (parks(pool) < p0 + 3)
        CHECK(test_now() < end);
    all_parked(pool, 4);
    CHECK_EQ(parks(pool), p0 + 3);
    printf("sleep: one wake for 3 jobs returned 3 of 4 sleepers\n");
    CHECK_EQ(ws_pool_destroy(pool), 0);
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);
    _Atomic long count = 0;
    CHECK_EQ(ws_run(pool, noop, &count), 0);

    /* Idle CPU: after 20 ms without work, one second of wall time. */
    usleep(20000);
    double c0 = cpu_seconds(), t0 = test_now();
    usleep(1000000);
    double cpu = cpu_seconds() - c0, wall = test_now() - t0;
    printf("sleep: idle pool used %.3f%% of one core over %.2f s\n", 100 * cpu / wall, wall);
    CHECK(cpu / wall < 0.01);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    burst_rounds(2);
    burst_rounds(4);
    wake_n_reaches_several();

    /* Park/wake races: workers park after 1 us without work, so nearly
       every submission meets a worker that is parking or parked. A lost
       wake-up shows as a wait that times out. */
    ws_pool_opts o = {.spin_us = 1};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    long cycles = 100000;
    double deadline = test_now() + test_stress_seconds(60);
    long i;
    unsigned rng = 12345;
    for (i = 0; i < cycles && test_now() < deadline; i++) {
        /* 0-8 us apart: the submission lands anywhere in the worker's
           search, announcement, last check or sleep. */
        rng = rng * 1103515245u + 12345u;
        double until = test_now() + (double)(rng >> 16 & 7) * 1e-6;
        while (test_now() < until)
            ;
        ws_future *f;
        CHECK_EQ(ws_submit(pool, noop, &count, &f), 0);
        CHECK_EQ(ws_future_wait(f, 10LL * 1000000000), 0);
        ws_future_release(f);
    }
    ws_stats st;
    CHECK_EQ(ws_pool_stats(pool, -1, &st), 0);
    printf("sleep: %ld park/wake cycles, %llu parks, no wake-up lost\n", i,
           (unsigned long long)st.parks);
    printf("stress: sleep ops=%ld items=%ld\n", i, i);
    CHECK(i >= 10000);
    CHECK(st.parks >= 100);
    CHECK_EQ(atomic_load(&count), i + 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    return 0;
}
