/* Shutdown racing producers and a canceller: no accepted task is lost.
 *
 * Each round, producer threads submit (CPU futures, blocking-lane futures
 * and fire-and-forget posts) while a canceller cancels random futures and
 * the main thread, sometimes with a second thread, shuts the pool down
 * (with or without WS_SHUTDOWN_CANCEL_PENDING). After ws_pool_destroy,
 * every accepted future is done with either its task's status (the task ran
 * exactly once) or WS_ECANCELED (it never ran); a successful cancel always
 * means WS_ECANCELED; without CANCEL_PENDING every accepted post ran; every
 * submit that began after ws_pool_shutdown returned got WS_ESHUTDOWN.
 * Bounded by WS_STRESS_SECONDS (default 1). */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <wsched.h>

#define PRODUCERS 3
#define MAXR      2048

typedef struct rec {
    ws_future *f;
    int want; /* the task's status */
    _Atomic int runs;
    _Atomic int cancelled; /* the canceller's ws_future_cancel returned 0 */
} rec;

typedef struct producer {
    rec r[MAXR];
    _Atomic int n; /* published records */
    _Atomic long posts_accepted, posts_ran;
    pthread_t t;
} producer;

static producer prod[PRODUCERS];
static ws_pool *pool;
static _Atomic int shut; /* set once ws_pool_shutdown has returned */
static _Atomic int stop_canceller;

static int task(void *p)
{
    rec *r = p;
    atomic_fetch_add(&r->runs, 1);
    return r->want;
}

static int post_task(void *p)
{
    atomic_fetch_add(&((producer *)p)->posts_ran, 1);
    return 0;
}

static void *produce(void *p)
{
    producer *pr = p;
    for (int i = 0; atomic_load(&pr->n) < MAXR; i++) {
        int was_shut = atomic_load(&shut);
        rec *r = &pr->r[atomic_load(&pr->n)];
        int rc;
        if (i % 4 == 3) {
            rc = ws_post(pool, post_task, pr);
            if (rc == 0)
                atomic_fetch_add(&pr->posts_accepted, 1);
        } else {
            atomic_init(&r->runs, 0);
            atomic_init(&r->cancelled, 0);
            r->want = i % 50;
            rc = i % 4 == 2 ? ws_submit_blocking(pool, task, r, &r->f)
                            : ws_submit(pool, task, r, &r->f);
            if (rc == 0)
                atomic_fetch_add(&pr->n, 1); /* seq_cst: publishes r to the canceller */
        }
        CHECK(rc == 0 || rc == WS_ESHUTDOWN);
        CHECK(!was_shut || rc == WS_ESHUTDOWN);
        if (rc == WS_ESHUTDOWN) {
            ws_future *f;
            CHECK_EQ(ws_submit(pool, task, r, &f), WS_ESHUTDOWN);
            CHECK_EQ(ws_submit_blocking(pool, task, r, &f), WS_ESHUTDOWN);
            CHECK_EQ(ws_post(pool, post_task, pr), WS_ESHUTDOWN);
            CHECK_EQ(ws_run(pool, post_task, pr), WS_ESHUTDOWN);
            break;
        }
    }
    return NULL;
}

static void *cancel_random(void *arg)
{
    unsigned seed = (unsigned)(long)arg;
    while (!atomic_load(&stop_canceller)) {
        producer *pr = &prod[rand_r(&seed) % PRODUCERS];
        int n = atomic_load(&pr->n);
        if (n == 0)
            continue;
        rec *r = &pr->r[rand_r(&seed) % (unsigned)n];
        if (ws_future_cancel(r->f) == 0)
            atomic_store(&r->cancelled, 1);
    }
    return NULL;
}

static void *shutdown_too(void *arg)
{
    (void)arg;
    CHECK_EQ(ws_pool_shutdown(pool, 0), 0);
    return NULL;
}

static long totals[3]; /* ran, cancelled by the canceller, cancelled by shutdown */

static void check_round(unsigned flags)
{
    for (int p = 0; p < PRODUCERS; p++) {
        producer *pr = &prod[p];
        for (int i = 0; i < atomic_load(&pr->n); i++) {
            rec *r = &pr->r[i];
            CHECK_EQ(ws_future_wait(r->f, 0), 0); /* destroy finished it */
            int st = ws_future_status(r->f);
            int runs = atomic_load(&r->runs);
            if (st == WS_ECANCELED) {
                CHECK_EQ(runs, 0);
                totals[atomic_load(&r->cancelled) ? 1 : 2]++;
            } else {
                CHECK_EQ(st, r->want);
                CHECK_EQ(runs, 1);
                CHECK(!atomic_load(&r->cancelled));
                totals[0]++;
            }
            ws_future_release(r->f);
        }
        long acc = atomic_load(&pr->posts_accepted), ran = atomic_load(&pr->posts_ran);
        CHECK(ran <= acc);
        if (!(flags & WS_SHUTDOWN_CANCEL_PENDING))
            CHECK_EQ(ran, acc);
    }
}

static void one_round(long round)
{
    ws_pool_opts o = {.workers = 2, .pin = WS_PIN_NONE, .blocking_max = 4};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    unsigned flags = round % 2 ? WS_SHUTDOWN_CANCEL_PENDING : 0;
    atomic_store(&shut, 0);
    atomic_store(&stop_canceller, 0);
    for (int p = 0; p < PRODUCERS; p++) {
        atomic_store(&prod[p].n, 0);
        atomic_store(&prod[p].posts_accepted, 0);
        atomic_store(&prod[p].posts_ran, 0);
        CHECK_EQ(pthread_create(&prod[p].t, NULL, produce, &prod[p]), 0);
    }
    pthread_t canceller, second;
    CHECK_EQ(pthread_create(&canceller, NULL, cancel_random, (void *)round), 0);
    struct timespec ts = {0, (round * 7919 % 3000) * 1000};
    nanosleep(&ts, NULL);
    int two = round % 3 == 0;
    if (two)
        CHECK_EQ(pthread_create(&second, NULL, shutdown_too, NULL), 0);
    CHECK_EQ(ws_pool_shutdown(pool, flags), 0);
    atomic_store(&shut, 1);
    for (int p = 0; p < PRODUCERS; p++)
        CHECK_EQ(pthread_join(prod[p].t, NULL), 0);
    if (two)
        CHECK_EQ(pthread_join(second, NULL), 0);
    atomic_store(&stop_canceller, 1);
    CHECK_EQ(pthread_join(canceller, NULL), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    check_round(flags);
}

int main(void)
{
    double end = test_now() + test_stress_seconds(1.0);
    long rounds = 0;
    do
        one_round(rounds);
    while (++rounds < 2000 && test_now() < end);
    printf("shutdown: %ld rounds; %ld ran, %ld cancelled by cancel, %ld by shutdown\n", rounds,
           totals[0], totals[1], totals[2]);
    printf("stress: shutdown ops=%ld items=%ld\n", rounds, totals[0] + totals[1] + totals[2]);
    return 0;
}
