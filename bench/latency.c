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
 *  handoff:   the machine's floor under wake, in the sequential runtime
 *             only (it uses no runtime): after the same 15 ms, one
 *             FUTEX_WAKE of a thread parked in futex_wait on the main
 *             thread's CPU (both pinned there; the thread asks for the
 *             0.4 ms slice wsched's workers ask for), timed from before the
 *             wake until the thread runs. A runtime that starts work on a
 *             parked thread makes at least this system call and switch.
 * 100 samples for a parked pool: the p99 is then the second largest, not the
 * largest, and an instance takes 1.5 s. */
#define _GNU_SOURCE /* sched_getcpu, CPU_SET */

#include "harness.h"
#ifdef RT_SEQ
#include "slice.h" /* handoff: the workers' time slice */
#endif

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

#ifdef RT_SEQ /* handoff uses no runtime: measured once */
/* handoff: a thread parked on a futex word, woken once per sample. */
struct handoff {
    int64_t n, hits;
    _Atomic uint32_t go;   /* the sample's number; HANDOFF_STOP ends the thread */
    _Atomic uint32_t done; /* the last sample the thread ran */
    double started_at;
    double *samples;
    cpu_set_t saved; /* the main thread's affinity before the case */
    pthread_t thread;
};

#define HANDOFF_STOP UINT32_MAX

static void futex(_Atomic uint32_t *word, int op, uint32_t val)
{
    syscall(SYS_futex, (uint32_t *)word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *parked(void *p)
{
    struct handoff *h = p;
    /* The slice wsched's workers ask for: the woken thread then preempts
       the waker. */
    ws__ask_slice(WS__SLICE_NS);
    uint32_t seen = 0;
    for (;;) {
        /* acquire: the main thread's stores before the sample (none
           needed but the number itself); pairs with its release. */
        uint32_t v = atomic_load_explicit(&h->go, memory_order_acquire);
        if (v == HANDOFF_STOP)
            return NULL;
        if (v == seen) {
            futex(&h->go, FUTEX_WAIT, v);
            continue;
        }
        h->started_at = ws_bench_now();
        h->hits++;
        seen = v;
        /* release: started_at and hits, to the main thread's acquire. */
        atomic_store_explicit(&h->done, v, memory_order_release);
        futex(&h->done, FUTEX_WAKE, 1);
    }
}

static void handoff_teardown(void *inst)
{
    struct handoff *h = inst;
    /* release: nothing to publish but the stop; the thread reads it with
       acquire as any sample number. */
    atomic_store_explicit(&h->go, HANDOFF_STOP, memory_order_release);
    futex(&h->go, FUTEX_WAKE, 1);
    pthread_join(h->thread, NULL);
    pthread_setaffinity_np(pthread_self(), sizeof h->saved, &h->saved);
    free(h->samples);
    free(h);
}

static void *setup_handoff(int64_t size)
{
    struct handoff *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->n = size;
    h->samples = calloc((size_t)size, sizeof *h->samples);
    int cpu = sched_getcpu();
    if (h->samples != NULL && cpu >= 0 &&
        pthread_getaffinity_np(pthread_self(), sizeof h->saved, &h->saved) == 0) {
        pin_to(cpu); /* the thread created next inherits it */
        if (pthread_create(&h->thread, NULL, parked, h) == 0)
            return h;
        pthread_setaffinity_np(pthread_self(), sizeof h->saved, &h->saved);
    }
    free(h->samples);
    free(h);
    return NULL;
}

static void reset_handoff(void *inst)
{
    ((struct handoff *)inst)->hits = 0;
}

static int run_handoff(void *inst, double *seconds)
{
    struct handoff *h = inst;
    for (int64_t i = 0; i < h->n; i++) {
        nanosleep(&(struct timespec){0, PARK_NS}, NULL);
        /* relaxed: only the parked thread writes it; read for the number. */
        uint32_t v = atomic_load_explicit(&h->done, memory_order_relaxed) + 1;
        double t0 = ws_bench_now();
        /* release: pairs with the thread's acquire (the number is all it
           reads). */
        atomic_store_explicit(&h->go, v, memory_order_release);
        futex(&h->go, FUTEX_WAKE, 1);
        /* acquire: the thread's started_at and hits. */
        uint32_t d;
        while ((d = atomic_load_explicit(&h->done, memory_order_acquire)) != v)
            futex(&h->done, FUTEX_WAIT, d);
        h->samples[i] = h->started_at - t0;
    }
    bench_counter("p99_us", 1e6 * bench_percentile(h->samples, (size_t)h->n, 99));
    *seconds = bench_median(h->samples, (size_t)h->n);
    return 0;
}

static int check_handoff(void *inst, char *why, size_t len)
{
    struct handoff *h = inst;
    if (h->hits == h->n)
        return 0;
    snprintf(why, len, "the parked thread ran %lld of %lld samples", (long long)h->hits,
             (long long)h->n);
    return -1;
}

static const struct bench_case handoff = {
    "handoff",      100, 2, 0, WS_BENCH_MICROS | WS_BENCH_ONCE, setup_handoff, reset_handoff,
    run_handoff, check_handoff, one, handoff_teardown};

#endif

void latency_register(void)
{
    bench_register(&roundtrip);
    bench_register(&wake);
    bench_register(&busy);
    bench_register(&burst);
#ifdef RT_SEQ
    bench_register(&handoff);
#endif
}
