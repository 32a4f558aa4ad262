/* Fork-join frames: misused frames are refused, ws_join outside a worker
 * keeps its order, and the second half of a join (or a spawned frame) is
 * offered to a worker that goes idle after the spawn, without waiting for
 * the owner's next spawn. Every wait is bounded. */
#include "check.h"
#include "gate.h"

#include <stdatomic.h>
#include <string.h>
#include <wsched.h>

#define BOUND_NS 10000000000LL /* 10 s: a missing fix fails, never hangs */

static int ret7(void *arg)
{
    (void)arg;
    return 7;
}

/* Runs fn in a worker of pool and returns its status; fails the test if it
 * does not finish within BOUND_NS (it would wait forever). */
static int in_worker(ws_pool *pool, ws_fn fn)
{
    ws_future *f;
    CHECK_EQ(ws_submit(pool, fn, NULL, &f), 0);
    CHECK_EQ(ws_future_wait(f, BOUND_NS), 0);
    int st = ws_future_status(f);
    ws_future_release(f);
    return st;
}

/* Item 4: a frame never spawned, or synced twice, gives WS_EINVAL. */
static int misuse(void *arg)
{
    (void)arg;
    ws_task t;
    memset(&t, 0, sizeof t);
    CHECK_EQ(ws_sync(&t), WS_EINVAL); /* never spawned */

    ws_spawn(&t, ret7, NULL);
    CHECK_EQ(ws_sync(&t), 7);
    CHECK_EQ(ws_sync(&t), WS_EINVAL); /* synced already (the fast path) */

    /* Out of order: syncing t1 runs t2, which was pushed above it; t2's
       own first sync still returns its status, a second one is refused. */
    ws_task t1, t2;
    ws_spawn(&t1, ret7, NULL);
    ws_spawn(&t2, ret7, NULL);
    CHECK_EQ(ws_sync(&t1), 7);
    CHECK_EQ(ws_sync(&t2), 7);
    CHECK_EQ(ws_sync(&t2), WS_EINVAL);
    CHECK_EQ(ws_sync(&t1), WS_EINVAL);

    ws_spawn(&t, NULL, NULL);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);
    return 0;
}

static void misuse_outside(void)
{
    ws_task t;
    memset(&t, 0, sizeof t);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);
    ws_spawn(&t, ret7, NULL); /* runs here */
    CHECK_EQ(ws_sync(&t), 7);
    CHECK_EQ(ws_sync(&t), WS_EINVAL);
}

/* Item 8: outside a worker, a runs before b. */
static int order[2], norder;
static int mark(void *arg)
{
    order[norder++] = (int)(size_t)arg;
    return 0;
}

static void join_order_outside(void)
{
    norder = 0;
    CHECK_EQ(ws_join(mark, (void *)1, mark, (void *)2), 0);
    CHECK_EQ(norder, 2);
    CHECK_EQ(order[0], 1);
    CHECK_EQ(order[1], 2);
}

/* Item 9. The pool has two workers. The root keeps the other worker busy
 * with a gate task, clears any pending request for work by a spawn and
 * sync, then joins two halves that wait for each other: the first half
 * opens the gate, so the other worker goes idle only after the second half
 * was pushed, and must find it there. Run one after the other, each half
 * would wait for the other until the bound. */
typedef struct meet {
    _Atomic int arrived;
    gate g;
} meet;

static meet m;

/* Arrives, then waits (bounded) until both halves have arrived. */
static int rendezvous(void)
{
    atomic_fetch_add(&m.arrived, 1);
    double end = test_now() + BOUND_NS * 1e-9;
    while (atomic_load(&m.arrived) < 2)
        if (test_now() > end)
            return WS_ETIMEDOUT;
    return 0;
}

static int first_half(void *arg)
{
    (void)arg;
    gate_open(&m.g);
    return rendezvous();
}

static int second_half(void *arg)
{
    (void)arg;
    return rendezvous();
}

static int noop(void *arg)
{
    (void)arg;
    return 0;
}

/* Holds the other worker in the gate task; bounded. */
static int busy_other(ws_task *gt)
{
    ws_spawn(gt, gate_task, &m.g);
    double end = test_now() + BOUND_NS * 1e-9;
    while (!atomic_load(&m.g.started))
        if (test_now() > end)
            return WS_ETIMEDOUT;
    /* Only a worker that ran out of work asks for some: none is idle now,
       and this spawn answers any request made before. */
    ws_task t;
    ws_spawn(&t, noop, NULL);
    return ws_sync(&t);
}

static int join_root(void *arg)
{
    (void)arg;
    ws_task gt;
    CHECK_EQ(busy_other(&gt), 0);
    int rc = ws_join(first_half, NULL, second_half, NULL);
    CHECK_EQ(ws_sync(&gt), 0);
    return rc;
}

static int spawn_root(void *arg)
{
    (void)arg;
    ws_task gt, t;
    CHECK_EQ(busy_other(&gt), 0);
    ws_spawn(&t, second_half, NULL);
    int ra = first_half(NULL);
    int rb = ws_sync(&t);
    CHECK_EQ(ws_sync(&gt), 0);
    return ra ? ra : rb;
}

static void idle_takes_pushed_work(ws_pool *pool, ws_fn root)
{
    atomic_store(&m.arrived, 0);
    atomic_store(&m.g.started, 0);
    atomic_store(&m.g.open, 0);
    CHECK_EQ(ws_run(pool, root, NULL), 0);
}

int main(void)
{
    misuse_outside();
    join_order_outside();

    ws_pool *pool;
    ws_pool_opts opts = {.workers = 2};
    CHECK_EQ(ws_pool_create(&pool, &opts), 0);
    CHECK_EQ(in_worker(pool, misuse), 0);
    for (int i = 0; i < 3; i++) {
        idle_takes_pushed_work(pool, join_root);
        idle_takes_pushed_work(pool, spawn_root);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("frames: ok\n");
    return 0;
}
