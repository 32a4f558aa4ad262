/* Futures: submit from a foreign thread and from a worker, wait with a
 * timeout, status, cancel as API.md's "Precise semantics" say, retain and
 * release, futures that outlive their pool. (Bad input to every futures
 * entry point: tests/errors.c.) */
#include "check.h"
#include "gate.h"

#include <wsched.h>

#define MS 1000000LL

static ws_pool *new_pool(unsigned workers)
{
    ws_pool_opts o = {.workers = workers, .pin = WS_PIN_NONE};
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    return pool;
}

static int ret_arg(void *p)
{
    return (int)(long)p;
}

static void foreign_submit(ws_pool *pool)
{
    int values[] = {0, 7, -5, WS_EBUSY, WS_ETIMEDOUT};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        ws_future *f;
        CHECK_EQ(ws_submit(pool, ret_arg, (void *)(long)values[i], &f), 0);
        CHECK_EQ(ws_future_wait(f, -1), 0);
        CHECK_EQ(ws_future_wait(f, 0), 0);
        CHECK_EQ(ws_future_status(f), values[i]);
        CHECK_EQ(ws_future_cancel(f), WS_EBUSY); /* finished */
        CHECK_EQ(ws_future_status(f), values[i]);
        ws_future_release(f);
    }
    counter c = {.ret = 3};
    CHECK_EQ(ws_post(pool, count_task, &c), 0);
    while (atomic_load(&c.runs) == 0)
        sleep_ms(1);
}

/* A pending future reports WS_EBUSY; a foreign waiter returns on time. */
static void wait_timeout(ws_pool *pool)
{
    gate g = {.ret = 11};
    ws_future *f;
    CHECK_EQ(ws_submit(pool, gate_task, &g, &f), 0);
    CHECK_EQ(ws_future_status(f), WS_EBUSY);
    CHECK_EQ(ws_future_wait(f, 0), WS_ETIMEDOUT);
    double t0 = test_now();
    CHECK_EQ(ws_future_wait(f, 100 * MS), WS_ETIMEDOUT);
    double dt = test_now() - t0;
    CHECK(dt >= 0.100);
    CHECK(dt < 0.100 + 0.5); /* scheduling noise, TSan included */
    CHECK_EQ(ws_future_status(f), WS_EBUSY);
    gate_wait_started(&g);
    CHECK_EQ(ws_future_cancel(f), WS_EBUSY); /* running */
    gate_open(&g);
    CHECK_EQ(ws_future_wait(f, 10000 * MS), 0);
    CHECK_EQ(ws_future_status(f), 11);
    ws_future_release(f);
}

/* One worker held by a gate, so a second future stays pending. */
static void cancel_pending(void)
{
    ws_pool *pool = new_pool(1);
    gate g = {.ret = 1};
    counter c = {.ret = 2};
    ws_future *busy, *f;
    CHECK_EQ(ws_submit(pool, gate_task, &g, &busy), 0);
    gate_wait_started(&g);
    CHECK_EQ(ws_submit(pool, count_task, &c, &f), 0);
    CHECK_EQ(ws_future_cancel(f), 0);
    CHECK_EQ(ws_future_cancel(f), 0); /* again: still 0 */
    CHECK_EQ(ws_future_status(f), WS_ECANCELED);
    CHECK_EQ(ws_future_wait(f, 0), 0); /* cancelled is done */
    CHECK_EQ(ws_future_wait(f, -1), 0);
    gate_open(&g);
    CHECK_EQ(ws_future_wait(busy, -1), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(atomic_load(&c.runs), 0); /* it never ran */
    CHECK_EQ(ws_future_status(f), WS_ECANCELED);
    CHECK_EQ(ws_future_status(busy), 1);
    ws_future_release(f);
    ws_future_release(busy);
}

/* Inside a worker: submit and wait (helping), even on a one-worker pool. */
typedef struct nested {
    ws_pool *pool;
    int depth;
} nested;

static int nested_task(void *p)
{
    nested *n = p;
    CHECK(ws_worker_id() >= 0);
    if (n->depth == 0)
        return 5;
    nested child = {n->pool, n->depth - 1};
    ws_future *f;
    CHECK_EQ(ws_submit(n->pool, nested_task, &child, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int st = ws_future_status(f);
    ws_future_release(f);
    return st + 1;
}

static void worker_submit(unsigned workers)
{
    ws_pool *pool = new_pool(workers);
    nested n = {pool, 20};
    ws_future *f;
    CHECK_EQ(ws_submit(pool, nested_task, &n, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 25);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(pool), 0);
}

/* Another thread's reference keeps the future alive. */
static void retain_release(ws_pool *pool)
{
    ws_future *f;
    CHECK_EQ(ws_submit(pool, ret_arg, (void *)9L, &f), 0);
    CHECK_EQ(ws_future_retain(f), 0);
    CHECK_EQ(ws_future_retain(f), 0);
    ws_future_release(f);
    ws_future_release(f);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 9);
    ws_future_release(f); /* the last: ASan checks nothing leaks */
}

/* After destroy every future is done and still usable until released. */
static void outlive_pool(void)
{
    ws_pool *pool = new_pool(1);
    gate g = {.ret = 4};
    ws_future *busy, *queued[8], *cancelled;
    CHECK_EQ(ws_submit(pool, gate_task, &g, &busy), 0);
    gate_wait_started(&g);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(ws_submit(pool, ret_arg, (void *)(long)(100 + i), &queued[i]), 0);
    CHECK_EQ(ws_submit(pool, ret_arg, (void *)1L, &cancelled), 0);
    CHECK_EQ(ws_future_cancel(cancelled), 0);
    gate_open(&g);
    CHECK_EQ(ws_pool_destroy(pool), 0); /* finishes all accepted work */
    CHECK_EQ(ws_future_wait(busy, 0), 0);
    CHECK_EQ(ws_future_status(busy), 4);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(ws_future_wait(queued[i], -1), 0);
        CHECK_EQ(ws_future_status(queued[i]), 100 + i);
        CHECK_EQ(ws_future_cancel(queued[i]), WS_EBUSY);
        ws_future_release(queued[i]);
    }
    CHECK_EQ(ws_future_wait(cancelled, 10 * MS), 0);
    CHECK_EQ(ws_future_status(cancelled), WS_ECANCELED);
    CHECK_EQ(ws_future_cancel(cancelled), 0);
    ws_future_release(cancelled);
    ws_future_release(busy);
}

int main(void)
{
    ws_pool *pool = new_pool(2);
    foreign_submit(pool);
    wait_timeout(pool);
    retain_release(pool);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    cancel_pending();
    worker_submit(1);
    worker_submit(2);
    outlive_pool();
    printf("future: ok\n");
    return 0;
}
