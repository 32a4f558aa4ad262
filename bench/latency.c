/* Latency, measured from the main thread, size samples per instance; an
 * instance reports their median as its time and their 99th percentile as
 * the counter p99_us.
 *  roundtrip: hand one tiny task to an idle pool and wait for it (the
 *             future round trip), back to back;
 *  wake:      the same after the pool has been idle for 15 ms (fully
 *             parked: every runtime parks within 10 ms), timed from the
 *             submission until the task starts;
 *  busy:      as wake, but the main thread goes on computing for BUSY_NS
 *             after the submission before it waits (fire and continue):
 *             a runtime that makes the task wait for the submitter's CPU
 *             shows it here;
 *  burst:     after the same 15 ms, P tasks at once (rt_ext; P: the
 *             runtime's workers, rt_workers), each of which waits until all
 *             P have started, so all P workers must run at once; timed from
 *             the first submission until the last task started. Where the
 *             runtime counts the submitting thread among its workers (tbb,
 *             OpenMP: see rt_start) it runs one of the P.
 * 100 samples for a parked pool: the p99 is then the second largest, not the
 * largest, and an instance takes 1.5 s. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PARK_NS      15000000L
#define BURST_WAIT_S 1.0 /* a burst task gives up waiting for the others */
#define BUSY_NS      2000000L

enum { ROUNDTRIP, WAKE, BUSY, BURST };

struct trip {
    int64_t n, hits;
    int mode;
    unsigned p;                /* burst: tasks per sample */
    _Atomic unsigned started;  /* burst: tasks of this sample started */
    _Atomic int64_t together;  /* burst: tasks that saw all p started */
    double started_at;         /* when the task (burst: the last) started */
    double *samples;
};

static int hit(void *p)
{
    struct trip *t = p;
    t->started_at = ws_bench_now();
    t->hits++;
    return 0;
}

/* A task of a burst: waits (bounded) until the whole burst has started. */
static int wait_all(void *p)
{
    struct trip *t = p;
    double now = ws_bench_now();
    /* relaxed: a count; the stamp reaches the main thread through rt_ext's
       wait for the tasks. */
    if (atomic_fetch_add_explicit(&t->started, 1, memory_order_relaxed) + 1 == t->p)
        t->started_at = now;
    double until = now + BURST_WAIT_S;
    unsigned seen;
    /* relaxed: a count; nothing is published through it. */
    while ((seen = atomic_load_explicit(&t->started, memory_order_relaxed)) < t->p &&
           ws_bench_now() < until)
        sched_yield(); /* with more workers than CPUs, the others must run */
    /* relaxed: a count, read after rt_ext's wait. */
    if (seen >= t->p)
        atomic_fetch_add_explicit(&t->together, 1, memory_order_relaxed);
    return 0;
}

/* The main thread's own work after a busy case's submission. */
static void compute(void *p)
{
    (void)p;
    double until = ws_bench_now() + BUSY_NS * 1e-9;
    while (ws_bench_now() < until)
        ;
}

static void teardown(void *inst)
{
    struct trip *t = inst;
    free(t->samples);
    free(t);
}

static void *setup_trip(int64_t size, int mode)
{
    struct trip *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->n = size;
    t->mode = mode;
    t->samples = calloc((size_t)size, sizeof *t->samples);
    if (t->samples == NULL) {
        teardown(t);
        return NULL;
    }
    return t;
}

static void *setup_roundtrip(int64_t size)
{
    return setup_trip(size, ROUNDTRIP);
}

static void *setup_wake(int64_t size)
{
    return setup_trip(size, WAKE);
}

static void *setup_busy(int64_t size)
{
    return setup_trip(size, BUSY);
}

static void *setup_burst(int64_t size)
{
    return setup_trip(size, BURST);
}

static void reset(void *inst)
{
    struct trip *t = inst;
    t->hits = 0;
    /* relaxed: no task runs between instances. */
    atomic_store_explicit(&t->together, 0, memory_order_relaxed);
}

static int run(void *inst, double *seconds)
{
    struct trip *t = inst;
    t->p = rt_workers();
    for (int64_t i = 0; i < t->n; i++) {
        if (t->mode != ROUNDTRIP)
            nanosleep(&(struct timespec){0, PARK_NS}, NULL);
        /* relaxed: no task runs between samples. */
        atomic_store_explicit(&t->started, 0, memory_order_relaxed);
        double t0 = ws_bench_now();
        int rc = t->mode == BURST ? rt_ext(t->p, wait_all, t)
                                  : rt_call(hit, t, t->mode == BUSY ? compute : NULL, NULL);
        t->samples[i] = (t->mode == ROUNDTRIP ? ws_bench_now() : t->started_at) - t0;
        if (rc != 0)
            return rc;
    }
    bench_counter("p99_us", 1e6 * bench_percentile(t->samples, (size_t)t->n, 99));
    *seconds = bench_median(t->samples, (size_t)t->n);
    return 0;
}

static int check(void *inst, char *why, size_t len)
{
    struct trip *t = inst;
    if (t->mode == BURST) {
        /* relaxed: the tasks are done (rt_ext waited for them). */
        int64_t together = atomic_load_explicit(&t->together, memory_order_relaxed);
        if (together == t->n * t->p)
            return 0;
        snprintf(why, len, "%lld of %lld tasks saw all %u of their burst start within %.0f s",
                 (long long)together, (long long)(t->n * t->p), t->p, BURST_WAIT_S);
        return -1;
    }
    if (t->hits == t->n)
        return 0;
    snprintf(why, len, "%lld of %lld tasks ran", (long long)t->hits, (long long)t->n);
    return -1;
}

static int64_t one(const void *inst)
{
    (void)inst;
    return 1;
}

static const struct bench_case roundtrip = {
    "roundtrip", 1000,  10,  RT_EXTERNAL, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_roundtrip, reset,
    run,         check, one, teardown};

static const struct bench_case wake = {
    "wake", 100,   2,   RT_EXTERNAL, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_wake, reset,
    run,    check, one, teardown};

static const struct bench_case busy = {
    "busy", 100,   2,   RT_EXTERNAL, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_busy, reset,
    run,    check, one, teardown};

static const struct bench_case burst = {
    "burst", 100,   2,   RT_EXTERNAL, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_burst, reset,
    run,     check, one, teardown};

void latency_register(void)
{
    bench_register(&roundtrip);
    bench_register(&wake);
    bench_register(&busy);
    bench_register(&burst);
}
