/* Continuations, wait_all / wait_any, when_all / when_any and completion
 * queues: statuses, cancellation, n == 0, completion order, timeouts. */
#include "check.h"
#include "gate.h"

#include <wsched.h>

#define MS 1000000LL

static ws_pool *pool;

static int ret_arg(void *p)
{
    return (int)(long)p;
}

/* Returns its argument after 50 ms. */
static int nap_task(void *p)
{
    sleep_ms(50);
    return (int)(long)p;
}

static ws_future *submit(ws_fn fn, void *arg)
{
    ws_future *f;
    CHECK_EQ(ws_submit(pool, fn, arg, &f), 0);
    return f;
}

static ws_future *submit_ret(int v)
{
    return submit(ret_arg, (void *)(long)v);
}

/* Waits, checks and releases. */
static void expect(ws_future *f, int status)
{
    CHECK_EQ(ws_future_wait(f, 10000 * MS), 0);
    CHECK_EQ(ws_future_status(f), status);
    ws_future_release(f);
}

/* A continuation checks that its parent had finished and runs on a worker. */
typedef struct after {
    gate *parent;
    _Atomic int runs;
    int ret;
} after;

static int after_task(void *p)
{
    after *a = p;
    CHECK(ws_worker_id() >= 0);
    CHECK(a->parent == NULL || atomic_load(&a->parent->open));
    atomic_fetch_add(&a->runs, 1);
    return a->ret;
}

static void then(void)
{
    /* On a finished future, and a failed one: fn still runs. */
    after a = {.ret = 3};
    ws_future *f = submit_ret(-7), *out, *out2;
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_then(f, after_task, &a, &out), 0);
    ws_future_release(f);
    expect(out, 3);

    /* On a pending one, chained twice; the inputs released at once. */
    gate g = {.ret = 1};
    after b = {.parent = &g, .ret = 4}, c = {.parent = &g, .ret = 5};
    f = submit(gate_task, &g);
    CHECK_EQ(ws_future_then(f, after_task, &b, &out), 0);
    CHECK_EQ(ws_future_then(out, after_task, &c, &out2), 0);
    ws_future_release(f);
    CHECK_EQ(ws_future_wait(out, 20 * MS), WS_ETIMEDOUT);
    CHECK_EQ(ws_future_status(out2), WS_EBUSY);
    gate_open(&g);
    expect(out2, 5);
    expect(out, 4);
    CHECK_EQ(atomic_load(&b.runs) + atomic_load(&c.runs), 2);
}

/* A cancelled parent cancels its continuation, before or after then(); a
 * cancelled continuation never runs its fn. */
static void then_cancelled(void)
{
    gate g = {0};
    ws_future *busy[2] = {submit(gate_task, &g), submit(gate_task, &g)};
    while (atomic_load(&g.started) < 2)
        sleep_ms(1);
    after a = {0}, b = {0}, c = {0};
    ws_future *early = submit_ret(1), *late = submit_ret(2), *ok = submit_ret(3);
    ws_future *o1, *o2, *o3, *o4;
    CHECK_EQ(ws_future_cancel(early), 0);
    CHECK_EQ(ws_future_then(early, after_task, &a, &o1), 0);
    CHECK_EQ(ws_future_then(late, after_task, &b, &o2), 0);
    CHECK_EQ(ws_future_then(o2, after_task, &b, &o3), 0);
    CHECK_EQ(ws_future_cancel(late), 0);
    CHECK_EQ(ws_future_then(ok, after_task, &c, &o4), 0);
    CHECK_EQ(ws_future_cancel(o4), 0);
    CHECK_EQ(ws_future_cancel(o4), 0);
    gate_open(&g);
    expect(o1, WS_ECANCELED);
    expect(o2, WS_ECANCELED);
    expect(o3, WS_ECANCELED);
    expect(o4, WS_ECANCELED);
    expect(ok, 3);
    expect(early, WS_ECANCELED);
    expect(late, WS_ECANCELED);
    expect(busy[0], 0);
    expect(busy[1], 0);
    CHECK_EQ(atomic_load(&a.runs) + atomic_load(&b.runs) + atomic_load(&c.runs), 0);
}

static void wait_many(void)
{
    size_t index = 99;
    CHECK_EQ(ws_wait_all(NULL, 0, -1), 0);
    CHECK_EQ(ws_wait_any(NULL, 0, -1, &index), 0);
    CHECK_EQ(index, 0);

    gate g = {0};
    ws_future *f[3] = {submit(gate_task, &g), submit_ret(1), submit_ret(2)};
    CHECK_EQ(ws_wait_all(f, 3, 0), WS_ETIMEDOUT);
    double t0 = test_now();
    CHECK_EQ(ws_wait_all(f, 3, 50 * MS), WS_ETIMEDOUT);
    CHECK(test_now() - t0 >= 0.050);
    CHECK_EQ(ws_wait_all(f + 1, 2, -1), 0);
    CHECK_EQ(ws_wait_any(f, 3, -1, &index), 0);
    CHECK_EQ(index, 1); /* the lowest done index */
    CHECK_EQ(ws_wait_any(f, 1, 0, &index), WS_ETIMEDOUT);
    t0 = test_now();
    CHECK_EQ(ws_wait_any(f, 1, 50 * MS, &index), WS_ETIMEDOUT);
    CHECK(test_now() - t0 >= 0.050);
    gate_open(&g);
    CHECK_EQ(ws_wait_any(f, 1, -1, &index), 0);
    CHECK_EQ(index, 0);
    CHECK_EQ(ws_wait_all(f, 3, -1), 0);
    for (int i = 0; i < 3; i++)
        expect(f[i], i);
}

/* when_all: the first non-zero status in array order, not finishing order. */
static void when(void)
{
    ws_future *out;
    CHECK_EQ(ws_when_all(NULL, 0, &out), 0);
    expect(out, 0);
    CHECK_EQ(ws_when_any(NULL, 0, &out), 0);
    expect(out, WS_ECANCELED);

    gate g = {.ret = -3};
    ws_future *f[4] = {submit_ret(0), submit(gate_task, &g), submit_ret(-9), submit_ret(0)};
    ws_future *all, *any;
    CHECK_EQ(ws_wait_all(f + 2, 2, -1), 0);
    CHECK_EQ(ws_when_all(f, 4, &all), 0);
    CHECK_EQ(ws_when_any(f + 1, 1, &any), 0);
    for (int i = 0; i < 4; i++)
        ws_future_release(f[i]);
    CHECK_EQ(ws_future_wait(all, 20 * MS), WS_ETIMEDOUT);
    CHECK_EQ(ws_future_wait(any, 0), WS_ETIMEDOUT);
    CHECK_EQ(ws_future_cancel(all), WS_EBUSY);
    gate_open(&g);
    expect(all, -3);
    expect(any, 0);

    ws_future *ok[3] = {submit_ret(0), submit_ret(0), submit_ret(0)};
    CHECK_EQ(ws_when_all(ok, 3, &all), 0);
    CHECK_EQ(ws_when_any(ok, 3, &any), 0);
    expect(all, 0);
    CHECK_EQ(ws_future_wait(any, -1), 0);
    int idx = ws_future_status(any);
    CHECK(idx >= 0 && idx < 3);
    ws_future_release(any);
    for (int i = 0; i < 3; i++)
        expect(ok[i], 0);

    /* A cancelled input counts as WS_ECANCELED. */
    gate h = {0};
    ws_future *busy[2] = {submit(gate_task, &h), submit(gate_task, &h)};
    while (atomic_load(&h.started) < 2)
        sleep_ms(1);
    ws_future *c[2] = {submit_ret(0), submit_ret(5)};
    CHECK_EQ(ws_future_cancel(c[0]), 0);
    CHECK_EQ(ws_when_all(c, 2, &all), 0);
    CHECK_EQ(ws_when_any(c, 2, &any), 0);
    expect(any, 0); /* c[0] was final first */
    gate_open(&h);
    expect(all, WS_ECANCELED);
    expect(c[0], WS_ECANCELED);
    expect(c[1], 5);
    expect(busy[0], 0);
    expect(busy[1], 0);
}

/* The queue hands futures out in the order they finish: each gate opens
 * only after the previous future is done (gates on the blocking lane, so
 * none holds up another). */
static void cq_order(void)
{
    enum { N = 8 };
    static const int order[N] = {5, 2, 7, 0, 3, 6, 1, 4};
    gate g[N];
    ws_future *f[N];
    ws_cq *q;
    CHECK_EQ(ws_cq_create(&q), 0);
    ws_future *out;
    CHECK_EQ(ws_cq_next(q, 0, &out), WS_ETIMEDOUT);
    double t0 = test_now();
    CHECK_EQ(ws_cq_next(q, 30 * MS, &out), WS_ETIMEDOUT);
    CHECK(test_now() - t0 >= 0.030);
    for (int i = 0; i < N; i++) {
        g[i] = (gate){.ret = i};
        CHECK_EQ(ws_submit_blocking(pool, gate_task, &g[i], &f[i]), 0);
        CHECK_EQ(ws_cq_attach(q, f[i]), 0);
    }
    CHECK_EQ(ws_cq_pending(q), N);
    CHECK_EQ(ws_cq_destroy(q), WS_EBUSY);
    for (int k = 0; k < N; k++) {
        gate_open(&g[order[k]]);
        CHECK_EQ(ws_future_wait(f[order[k]], -1), 0);
    }
    for (int k = 0; k < N; k++) {
        CHECK_EQ(ws_cq_next(q, -1, &out), 0);
        CHECK(out == f[order[k]]);
        CHECK_EQ(ws_future_status(out), order[k]);
        ws_future_release(out);
        ws_future_release(f[order[k]]);
    }
    CHECK_EQ(ws_cq_pending(q), 0);

    /* A taker asleep is woken by a completion; a done future and a
       cancelled one are queued too; untaken futures go with the queue. */
    ws_future *slow = submit(nap_task, (void *)8L), *done = submit_ret(9);
    CHECK_EQ(ws_future_wait(done, -1), 0);
    CHECK_EQ(ws_cq_attach(q, slow), 0);
    CHECK_EQ(ws_cq_next(q, 0, &out), WS_ETIMEDOUT);
    CHECK_EQ(ws_cq_next(q, 10000 * MS, &out), 0);
    CHECK(out == slow);
    ws_future_release(out);
    CHECK_EQ(ws_cq_attach(q, done), 0);
    expect(done, 9);
    expect(slow, 8);
    CHECK_EQ(ws_cq_pending(q), 1);
    CHECK_EQ(ws_cq_destroy(q), 0);
}

int main(void)
{
    ws_pool_opts o = {.workers = 2, .pin = WS_PIN_NONE};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    then();
    then_cancelled();
    wait_many();
    when();
    cq_order();
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("then: ok\n");
    return 0;
}
