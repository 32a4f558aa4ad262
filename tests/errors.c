/* Bad input for every entry point: WS_EINVAL (or the documented code),
 * never a crash; ws_strerror names every code. */
#include "check.h"

#include <stdatomic.h>
#include <string.h>
#include <wsched.h>

static int body_calls;
static int body(size_t lo, size_t hi, void *arg)
{
    (void)lo, (void)hi, (void)arg;
    body_calls++;
    return 0;
}

static int noop(void *arg)
{
    (void)arg;
    return 0;
}

static ws_pool *the_pool;
static int destroy_from_worker(void *arg)
{
    (void)arg;
    return ws_pool_destroy(the_pool);
}

static void bad_opts(void)
{
    ws_pool *p = (ws_pool *)1;
    int bad_cpu = 1 << 20, neg = -1;
    ws_pool_opts cases[] = {
        {.workers = 5000},
        {.pin = 7},
        {.deque_capacity = 3},
        {.deque_capacity = 8},
        {.deque_capacity = 1u << 25},
        {.spin_us = 2000000},
        {.stack_size = 100},
        {.stack_size = (size_t)1 << 40},
        {.name = "much-too-long-name"},
        {.name = ""},
        {.cpus = &bad_cpu, .ncpus = 1},
        {.cpus = &neg, .ncpus = 1},
        {.ncpus = 1},
        {.blocking_max = 5000},
        {.blocking_idle_ms = 4000000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_EQ(ws_pool_create(&p, &cases[i]), WS_EINVAL);
        CHECK(p == NULL);
    }
    CHECK_EQ(ws_pool_create(NULL, NULL), WS_EINVAL);
}

int main(void)
{
    bad_opts();
    ws_pool *pool;
    ws_pool_opts o = {.workers = 2};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    the_pool = pool;

    CHECK_EQ(ws_pool_destroy(NULL), WS_EINVAL);
    CHECK_EQ(ws_pool_shutdown(NULL, 0), WS_EINVAL);
    CHECK_EQ(ws_pool_shutdown(pool, 0x80), WS_EINVAL);
    CHECK_EQ(ws_pool_workers(NULL), 0);
    CHECK_EQ(ws_run(NULL, noop, NULL), WS_EINVAL);
    CHECK_EQ(ws_run(pool, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_join(NULL, NULL, noop, NULL), WS_EINVAL);
    CHECK_EQ(ws_join(noop, NULL, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_sync(NULL), WS_EINVAL);
    ws_spawn(NULL, noop, NULL);
    ws_task t;
    ws_spawn(&t, NULL, NULL);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);

    ws_future *f = NULL;
    CHECK_EQ(ws_submit(NULL, noop, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_submit(pool, NULL, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_submit(pool, noop, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_post(NULL, noop, NULL), WS_EINVAL);
    CHECK_EQ(ws_post(pool, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_submit_blocking(NULL, noop, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_submit_blocking(pool, NULL, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_submit_blocking(pool, noop, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_future_wait(NULL, 0), WS_EINVAL);
    CHECK_EQ(ws_future_status(NULL), WS_EINVAL);
    CHECK_EQ(ws_future_cancel(NULL), WS_EINVAL);
    CHECK_EQ(ws_future_retain(NULL), WS_EINVAL);
    ws_future_release(NULL);
    CHECK_EQ(ws_submit(pool, noop, NULL, &f), 0);
    CHECK_EQ(ws_future_then(NULL, noop, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_future_then(f, NULL, NULL, &f), WS_EINVAL);
    CHECK_EQ(ws_future_then(f, noop, NULL, NULL), WS_EINVAL);
    size_t idx;
    ws_future *nulls[2] = {f, NULL};
    CHECK_EQ(ws_wait_all(NULL, 1, 0), WS_EINVAL);
    CHECK_EQ(ws_wait_all(nulls, 2, 0), WS_EINVAL);
    CHECK_EQ(ws_wait_any(NULL, 1, 0, &idx), WS_EINVAL);
    CHECK_EQ(ws_wait_any(&f, 1, 0, NULL), WS_EINVAL);
    CHECK_EQ(ws_wait_any(nulls, 2, 0, &idx), WS_EINVAL);
    ws_future *g = NULL;
    CHECK_EQ(ws_when_all(NULL, 1, &g), WS_EINVAL);
    CHECK_EQ(ws_when_all(&f, 1, NULL), WS_EINVAL);
    CHECK_EQ(ws_when_any(NULL, 1, &g), WS_EINVAL);
    CHECK_EQ(ws_when_any(nulls, 2, &g), WS_EINVAL);
    CHECK_EQ(ws_cq_create(NULL), WS_EINVAL);
    ws_cq *q;
    CHECK_EQ(ws_cq_create(&q), 0);
    CHECK_EQ(ws_cq_attach(NULL, f), WS_EINVAL);
    CHECK_EQ(ws_cq_attach(q, NULL), WS_EINVAL);
    CHECK_EQ(ws_cq_next(NULL, 0, &g), WS_EINVAL);
    CHECK_EQ(ws_cq_next(q, 0, NULL), WS_EINVAL);
    CHECK_EQ(ws_cq_next(q, 0, &g), WS_ETIMEDOUT);
    CHECK_EQ(ws_cq_pending(NULL), 0);
    CHECK_EQ(ws_cq_destroy(NULL), WS_EINVAL);
    CHECK_EQ(ws_cq_destroy(q), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    ws_future_release(f);

    CHECK_EQ(ws_parallel_for(NULL, 0, 1, 0, body, NULL), WS_EINVAL);
    CHECK_EQ(ws_parallel_for(pool, 0, 1, 0, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_parallel_for(pool, 5, 4, 0, body, NULL), WS_EINVAL);
    CHECK_EQ(ws_parallel_for(pool, 4, 4, 0, body, NULL), 0);
    CHECK_EQ(body_calls, 0);

    ws_stats st;
    CHECK_EQ(ws_pool_stats(NULL, -1, &st), WS_EINVAL);
    CHECK_EQ(ws_pool_stats(pool, -1, NULL), WS_EINVAL);
    CHECK_EQ(ws_pool_stats(pool, -2, &st), WS_EINVAL);
    CHECK_EQ(ws_pool_stats(pool, 2, &st), WS_EINVAL);
    CHECK_EQ(ws_pool_stats(pool, 1, &st), 0);

    /* destroy from a worker of the same pool: WS_EBUSY, nothing done. */
    CHECK_EQ(ws_run(pool, destroy_from_worker, NULL), WS_EBUSY);

    /* After shutdown nothing new is accepted from outside. */
    CHECK_EQ(ws_pool_shutdown(pool, 0), 0);
    CHECK_EQ(ws_pool_shutdown(pool, 0), 0);
    CHECK_EQ(ws_submit(pool, noop, NULL, &f), WS_ESHUTDOWN);
    CHECK_EQ(ws_post(pool, noop, NULL), WS_ESHUTDOWN);
    CHECK_EQ(ws_submit_blocking(pool, noop, NULL, &f), WS_ESHUTDOWN);
    CHECK_EQ(ws_run(pool, noop, NULL), WS_ESHUTDOWN);
    CHECK_EQ(ws_parallel_for(pool, 0, 10, 0, body, NULL), WS_ESHUTDOWN);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* Every code has a name; unknown codes say so. */
    int codes[] = {WS_EINVAL, WS_ENOMEM, WS_EAGAIN, WS_ETIMEDOUT, WS_ECANCELED, WS_ESHUTDOWN,
                   WS_EBUSY};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CHECK(codes[i] < 0);
        CHECK(strcmp(ws_strerror(codes[i]), "unknown error") != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(ws_strerror(codes[i]), ws_strerror(codes[j])) != 0);
    }
    CHECK(strcmp(ws_strerror(0), "success") == 0);
    CHECK(strcmp(ws_strerror(-9999), "unknown error") == 0);
    CHECK(strcmp(ws_strerror(12345), "unknown error") == 0);
    CHECK(strcmp(ws_version(), "0.2.0") == 0);
    printf("errors: ok\n");
    return 0;
}
