/* A cancel racing a worker taking the task: exactly one side wins, the task
 * runs at most once, and the future reports the task's status or
 * WS_ECANCELED, nothing else. Two cancellers race each other too: both get
 * the same answer. Rounds submit from a foreign thread and from inside a
 * worker (where the future sits on the submitter's deque and may be
 * stolen). Bounded by WS_STRESS_SECONDS (default 1). */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <wsched.h>

#define BATCH 64
#define TASK_STATUS 42

typedef struct slot {
    ws_future *f;
    _Atomic int runs;
    int cancel_rc[2];
} slot;

typedef struct round {
    slot s[BATCH];
    _Atomic int go;
    ws_pool *pool;
} round;

static int task(void *p)
{
    atomic_fetch_add(&((slot *)p)->runs, 1);
    return TASK_STATUS;
}

static long wins[2]; /* [0]: the cancel won, [1]: the worker won */

static void submit_batch(round *r)
{
    for (int i = 0; i < BATCH; i++) {
        atomic_init(&r->s[i].runs, 0);
        CHECK_EQ(ws_submit(r->pool, task, &r->s[i], &r->s[i].f), 0);
    }
}

/* A second canceller, from the back of the batch. */
static void *canceller(void *p)
{
    round *r = p;
    while (!atomic_load(&r->go))
        ;
    for (int i = BATCH - 1; i >= 0; i--)
        r->s[i].cancel_rc[1] = ws_future_cancel(r->s[i].f);
    return NULL;
}

static void check_batch(round *r)
{
    for (int i = 0; i < BATCH; i++) {
        slot *s = &r->s[i];
        CHECK_EQ(ws_future_wait(s->f, -1), 0);
        int st = ws_future_status(s->f);
        int runs = atomic_load(&s->runs);
        CHECK(s->cancel_rc[0] == 0 || s->cancel_rc[0] == WS_EBUSY);
        CHECK_EQ(s->cancel_rc[0], s->cancel_rc[1]);
        if (s->cancel_rc[0] == 0) {
            CHECK_EQ(st, WS_ECANCELED);
            CHECK_EQ(runs, 0);
        } else {
            CHECK_EQ(st, TASK_STATUS);
            CHECK_EQ(runs, 1);
        }
        wins[s->cancel_rc[0] != 0]++;
        ws_future_release(s->f);
    }
}

/* Submits a batch, then cancels it from the front while a second thread
 * cancels from the back and the workers take tasks. */
static void race(round *r)
{
    pthread_t t;
    atomic_store(&r->go, 0);
    submit_batch(r);
    CHECK_EQ(pthread_create(&t, NULL, canceller, r), 0);
    atomic_store(&r->go, 1);
    for (int i = 0; i < BATCH; i++)
        r->s[i].cancel_rc[0] = ws_future_cancel(r->s[i].f);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

/* The same, with the batch submitted from inside a worker. */
static int race_in_worker(void *p)
{
    race(p);
    return 0;
}

int main(void)
{
    ws_pool_opts o = {.workers = 3, .pin = WS_PIN_NONE};
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    static round r;
    r.pool = pool;
    double end = test_now() + test_stress_seconds(1.0);
    long rounds = 0;
    do {
        if (rounds % 2) {
            ws_future *f;
            CHECK_EQ(ws_submit(pool, race_in_worker, &r, &f), 0);
            CHECK_EQ(ws_future_wait(f, -1), 0);
            CHECK_EQ(ws_future_status(f), 0);
            ws_future_release(f);
        } else {
            race(&r);
        }
        check_batch(&r);
    } while (++rounds < 20000 && test_now() < end);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("cancel_race: %ld rounds, cancel won %ld, worker won %ld\n", rounds, wins[0], wins[1]);
    printf("stress: cancel_race ops=%ld items=%ld\n", rounds, wins[0] + wins[1]);
    return 0;
}
