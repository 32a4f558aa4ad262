/* Latency, measured from the main thread, size samples per instance; an
 * instance reports their median.
 *  roundtrip: hand one tiny task to an idle pool and wait for it (the
 *             future round trip), back to back;
 *  wake:      the same after the pool has been idle for 15 ms (fully
 *             parked: every runtime parks within 10 ms), timed from the
 *             submission until the task starts. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PARK_NS 15000000L

struct trip {
    int64_t n, hits;
    int park;       /* the wake case */
    double started; /* when the last task started */
    double *samples;
};

static int hit(void *p)
{
    struct trip *t = p;
    t->started = ws_bench_now();
    t->hits++;
    return 0;
}

static void teardown(void *inst)
{
    struct trip *t = inst;
    free(t->samples);
    free(t);
}

static void *setup_trip(int64_t size, int park)
{
    struct trip *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->n = size;
    t->park = park;
    t->samples = calloc((size_t)size, sizeof *t->samples);
    if (t->samples == NULL) {
        teardown(t);
        return NULL;
    }
    return t;
}

static void *setup_roundtrip(int64_t size)
{
    return setup_trip(size, 0);
}

static void *setup_wake(int64_t size)
{
    return setup_trip(size, 1);
}

static void reset(void *inst)
{
    struct trip *t = inst;
    t->hits = 0;
}

static int run(void *inst, double *seconds)
{
    struct trip *t = inst;
    for (int64_t i = 0; i < t->n; i++) {
        if (t->park)
            nanosleep(&(struct timespec){0, PARK_NS}, NULL);
        double t0 = ws_bench_now();
        int rc = rt_call(hit, t);
        t->samples[i] = (t->park ? t->started : ws_bench_now()) - t0;
        if (rc != 0)
            return rc;
    }
    *seconds = bench_median(t->samples, (size_t)t->n);
    return 0;
}

static int check(void *inst, char *why, size_t len)
{
    const struct trip *t = inst;
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
    "wake", 20,    2,   RT_EXTERNAL, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_wake, reset,
    run,    check, one, teardown};

void latency_register(void)
{
    bench_register(&roundtrip);
    bench_register(&wake);
}
