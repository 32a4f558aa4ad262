/* Task groups, cooperative cancellation and argument destructors: the first
 * error, cancel-on-error, cancel, limits (waiting and WS_EAGAIN), nesting,
 * waits inside workers, the blocking lane, ws_cancelled() in groups, futures
 * and loops, ws_submit_ex's destructor and user data, ws_future_state. */
#include "check.h"
#include "gate.h"

#include <stdbool.h>
#include <string.h>
#include <wsched.h>

#define MS 1000000LL

static ws_pool *pool;

typedef struct tally {
    _Atomic int runs, dtors, running, peak;
} tally;

static tally T;

static void reset(void)
{
    atomic_store(&T.runs, 0);
    atomic_store(&T.dtors, 0);
    atomic_store(&T.running, 0);
    atomic_store(&T.peak, 0);
}

static void count_dtor(void *arg)
{
    (void)arg;
    atomic_fetch_add(&T.dtors, 1);
}

/* Returns its argument; counts runs and the peak of concurrent runs. */
static int ret_task(void *arg)
{
    int now = atomic_fetch_add(&T.running, 1) + 1;
    for (int p = atomic_load(&T.peak); now > p;)
        if (atomic_compare_exchange_weak(&T.peak, &p, now))
            break;
    atomic_fetch_add(&T.runs, 1);
    sleep_ms(0);
    atomic_fetch_sub(&T.running, 1);
    return (int)(long)arg;
}

static ws_group *group(unsigned limit, unsigned flags)
{
    ws_group *g;
    ws_group_opts o = {.limit = limit, .flags = flags};
    CHECK_EQ(ws_group_create(&g, pool, &o), 0);
    return g;
}

static void basics(void)
{
    reset();
    ws_group *g = group(0, 0);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(ws_group_post_ex(g, ret_task, NULL, count_dtor), 0);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(ws_group_pending(g), 0);
    CHECK_EQ(atomic_load(&T.runs), 1000);
    CHECK_EQ(atomic_load(&T.dtors), 1000);
    /* The first error, passed through untouched (even a library code). */
    for (int i = 0; i < 100; i++)
        CHECK_EQ(ws_group_post(g, ret_task, (void *)(long)(i == 50 ? WS_ETIMEDOUT : 0)), 0);
    CHECK_EQ(ws_group_wait(g, -1), WS_ETIMEDOUT);
    CHECK_EQ(ws_group_pending(g), 0); /* done: the task's code, not a timeout */
    CHECK_EQ(ws_group_destroy(g), 0);
    /* Bad input. */
    ws_group *bad;
    ws_group_opts o = {.flags = 64};
    CHECK_EQ(ws_group_create(&bad, pool, &o), WS_EINVAL);
    CHECK_EQ(ws_group_create(NULL, pool, NULL), WS_EINVAL);
    CHECK_EQ(ws_group_create(&bad, NULL, NULL), WS_EINVAL);
    CHECK_EQ(ws_group_post(NULL, ret_task, NULL), WS_EINVAL);
    CHECK_EQ(ws_group_wait(NULL, 0), WS_EINVAL);
    CHECK_EQ(ws_group_cancel(NULL), WS_EINVAL);
    CHECK_EQ(ws_group_destroy(NULL), WS_EINVAL);
    CHECK_EQ(ws_group_pending(NULL), 0);
}

/* The only two workers held by gates: nothing else starts until opened. */
static void hold(gate *g, ws_group *grp)
{
    memset(g, 0, sizeof(*g));
    CHECK_EQ(ws_group_post(grp, gate_task, g), 0);
    gate_wait_started(g);
}

static void cancel(void)
{
    reset();
    ws_group *hg = group(0, 0);
    gate g1, g2;
    hold(&g1, hg);
    hold(&g2, hg);
    ws_group *g = group(0, 0);
    for (int i = 0; i < 50; i++)
        CHECK_EQ(ws_group_post_ex(g, ret_task, NULL, count_dtor), 0);
    CHECK_EQ(ws_group_wait(g, 10 * MS), WS_ETIMEDOUT);
    CHECK_EQ(ws_group_pending(g), 50);
    CHECK_EQ(ws_group_cancel(g), 0);
    CHECK_EQ(ws_group_post(g, ret_task, NULL), WS_ECANCELED);
    gate_open(&g1);
    gate_open(&g2);
    CHECK_EQ(ws_group_wait(g, -1), WS_ECANCELED);
    CHECK_EQ(atomic_load(&T.runs), 0);
    CHECK_EQ(atomic_load(&T.dtors), 50);
    CHECK_EQ(ws_group_destroy(g), 0);
    CHECK_EQ(ws_group_destroy(hg), 0);
}

/* The first failure cancels what has not started; every dtor runs once. */
static void cancel_on_error(void)
{
    reset();
    ws_group *hg = group(0, 0);
    gate g1, g2;
    hold(&g1, hg);
    hold(&g2, hg);
    ws_group *g = group(0, WS_GROUP_CANCEL_ON_ERROR);
    CHECK_EQ(ws_group_post_ex(g, ret_task, (void *)5L, count_dtor), 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(ws_group_post_ex(g, ret_task, NULL, count_dtor), 0);
    gate_open(&g1);
    gate_open(&g2);
    CHECK_EQ(ws_group_wait(g, -1), 5);
    CHECK_EQ(atomic_load(&T.dtors), 101);
    CHECK(atomic_load(&T.runs) >= 1 && atomic_load(&T.runs) <= 101);
    CHECK_EQ(ws_group_destroy(g), 0);
    CHECK_EQ(ws_group_destroy(hg), 0);
}

static void limits(void)
{
    /* NOWAIT: the third post finds both slots taken. */
    ws_group *g = group(2, WS_GROUP_NOWAIT);
    gate a, b;
    hold(&a, g);
    hold(&b, g);
    CHECK_EQ(ws_group_post(g, ret_task, NULL), WS_EAGAIN);
    gate_open(&a);
    gate_open(&b);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(ws_group_destroy(g), 0);
    /* A waiting limit: never more than one task at a time on two workers. */
    reset();
    g = group(1, 0);
    for (int i = 0; i < 200; i++)
        CHECK_EQ(ws_group_post(g, ret_task, NULL), 0);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(atomic_load(&T.runs), 200);
    CHECK_EQ(atomic_load(&T.peak), 1);
    CHECK_EQ(ws_group_destroy(g), 0);
}

/* A binary tree of tasks posting into their own group; waits and destroy
 * from inside are refused; at the limit a nested post runs in place. */
typedef struct node {
    ws_group *g;
    int depth;
} node;

static node nodes[1 << 12];
static _Atomic int next_node;

static int tree(void *arg)
{
    node *n = arg;
    atomic_fetch_add(&T.runs, 1);
    CHECK_EQ(ws_group_wait(n->g, 0), WS_EBUSY);
    CHECK_EQ(ws_group_destroy(n->g), WS_EBUSY);
    if (n->depth == 0)
        return 0;
    for (int k = 0; k < 2; k++) {
        node *c = &nodes[atomic_fetch_add(&next_node, 1)];
        *c = (node){n->g, n->depth - 1};
        CHECK_EQ(ws_group_post(n->g, tree, c), 0);
    }
    return 0;
}

static void nesting(unsigned limit)
{
    reset();
    atomic_store(&next_node, 1);
    ws_group *g = group(limit, 0);
    nodes[0] = (node){g, 10};
    CHECK_EQ(ws_group_post(g, tree, &nodes[0]), 0);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(atomic_load(&T.runs), (1 << 11) - 1);
    CHECK_EQ(ws_group_destroy(g), 0);
}

/* A task waits for another group: it helps, even on one worker. */
static int wait_other(void *arg)
{
    (void)arg;
    ws_group *h = group(0, 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(ws_group_post(h, ret_task, (void *)0L), 0);
    int rc = ws_group_wait(h, -1);
    CHECK_EQ(ws_group_destroy(h), 0);
    return rc;
}

static void wait_in_worker(void)
{
    reset();
    ws_pool *saved = pool;
    ws_pool_opts o = {.workers = 1};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    CHECK_EQ(ws_run(pool, wait_other, NULL), 0);
    CHECK_EQ(atomic_load(&T.runs), 100);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    pool = saved;
}

static int nap_task(void *arg)
{
    CHECK_EQ(ws_worker_id(), -1);
    sleep_ms(5);
    atomic_fetch_add(&T.runs, 1);
    return (int)(long)arg;
}

static void blocking_group(void)
{
    reset();
    ws_group *g = group(0, WS_GROUP_BLOCKING);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(ws_group_post_ex(g, nap_task, NULL, count_dtor), 0);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(atomic_load(&T.runs), 20);
    CHECK_EQ(atomic_load(&T.dtors), 20);
    CHECK_EQ(ws_group_destroy(g), 0);
}

/* Polls ws_cancelled() until asked to stop, then returns 9. */
static _Atomic int polling;

static int until_cancelled(void *arg)
{
    (void)arg;
    CHECK_EQ(ws_cancelled(), 0);
    atomic_store(&polling, 1);
    while (!ws_cancelled())
        sleep_ms(1);
    return 9;
}

typedef struct pfor_arg {
    ws_group *g;
    _Atomic long indices;
    int rc;
} pfor_arg;

static int cancelling_body(size_t lo, size_t hi, void *p)
{
    pfor_arg *a = p;
    atomic_fetch_add(&a->indices, (long)(hi - lo));
    ws_group_cancel(a->g);
    return 0;
}

static int loop_in_group(void *p)
{
    pfor_arg *a = p;
    a->rc = ws_parallel_for(pool, 0, 1000000, 1, cancelling_body, a);
    return 0;
}

static void cooperative(void)
{
    /* A group's running task. */
    ws_group *g = group(0, 0);
    atomic_store(&polling, 0);
    CHECK_EQ(ws_group_post(g, until_cancelled, NULL), 0);
    while (!atomic_load(&polling))
        sleep_ms(1);
    CHECK_EQ(ws_group_cancel(g), 0);
    CHECK_EQ(ws_group_wait(g, -1), 9);
    CHECK_EQ(ws_group_destroy(g), 0);
    /* A future's running task: cancel says WS_EBUSY and asks it to stop. */
    ws_future *f;
    atomic_store(&polling, 0);
    CHECK_EQ(ws_submit(pool, until_cancelled, NULL, &f), 0);
    while (!atomic_load(&polling))
        sleep_ms(1);
    CHECK_EQ(ws_future_state(f), WS_FUTURE_RUNNING);
    CHECK_EQ(ws_future_cancel(f), WS_EBUSY);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 9);
    CHECK_EQ(ws_future_state(f), WS_FUTURE_DONE);
    ws_future_release(f);
    /* A loop inside a group task stops once the group is cancelled. */
    g = group(0, 0);
    pfor_arg a = {.g = g};
    CHECK_EQ(ws_group_post(g, loop_in_group, &a), 0);
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(a.rc, WS_ECANCELED);
    CHECK(atomic_load(&a.indices) < 1000000);
    CHECK_EQ(ws_group_destroy(g), 0);
    CHECK_EQ(ws_cancelled(), 0); /* outside any task */
}

static void submit_ex(void)
{
    reset();
    int user;
    ws_submit_opts o = {.dtor = count_dtor, .user = &user};
    ws_future *f;
    CHECK_EQ(ws_submit_ex(pool, ret_task, (void *)3L, &o, &f), 0);
    CHECK(ws_future_user(f) == &user);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 3);
    CHECK_EQ(atomic_load(&T.dtors), 1); /* before the future was done */
    ws_future_release(f);
    /* Cancelled: the dtor runs in the canceller, once. */
    ws_group *hg = group(0, 0);
    gate g1, g2;
    hold(&g1, hg);
    hold(&g2, hg);
    CHECK_EQ(ws_submit_ex(pool, ret_task, NULL, &o, &f), 0);
    CHECK_EQ(ws_future_state(f), WS_FUTURE_PENDING);
    CHECK_EQ(ws_future_cancel(f), 0);
    CHECK_EQ(ws_future_cancel(f), 0);
    CHECK_EQ(atomic_load(&T.dtors), 2);
    CHECK_EQ(ws_future_state(f), WS_FUTURE_CANCELLED);
    gate_open(&g1);
    gate_open(&g2);
    CHECK_EQ(ws_group_destroy(hg), 0);
    ws_future_release(f);
    /* Fire and forget, and the blocking lane. */
    ws_submit_opts b = {.dtor = count_dtor, .flags = WS_SUBMIT_BLOCKING};
    CHECK_EQ(ws_submit_ex(pool, nap_task, NULL, &b, NULL), 0);
    ws_submit_opts bad = {.flags = 8};
    CHECK_EQ(ws_submit_ex(pool, ret_task, NULL, &bad, &f), WS_EINVAL);
    CHECK_EQ(ws_submit_ex(pool, NULL, NULL, NULL, &f), WS_EINVAL);
    CHECK(ws_future_user(NULL) == NULL);
    CHECK_EQ(ws_future_state(NULL), WS_EINVAL);
    while (atomic_load(&T.dtors) < 3)
        sleep_ms(1);
    CHECK_EQ(atomic_load(&T.runs), 2); /* ret_task once, nap_task once */
}

/* After shutdown: refused, and the dtor does not run (arg is the caller's). */
static void refused(void)
{
    reset();
    ws_pool *p;
    CHECK_EQ(ws_pool_create(&p, NULL), 0);
    ws_group *g;
    CHECK_EQ(ws_group_create(&g, p, NULL), 0);
    CHECK_EQ(ws_pool_shutdown(p, 0), 0);
    ws_submit_opts o = {.dtor = count_dtor};
    ws_future *f;
    CHECK_EQ(ws_submit_ex(p, ret_task, NULL, &o, &f), WS_ESHUTDOWN);
    CHECK_EQ(ws_group_post_ex(g, ret_task, NULL, count_dtor), WS_ESHUTDOWN);
    CHECK_EQ(ws_group_pending(g), 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQ(ws_group_post(g, ret_task, NULL), WS_ESHUTDOWN); /* the pool is gone */
    CHECK_EQ(ws_group_wait(g, -1), 0);
    CHECK_EQ(ws_group_destroy(g), 0);
    CHECK_EQ(atomic_load(&T.dtors), 0);
}

/* A worker counts finished tasks out of their group in batches; a task of
 * another group, or a future's task, that runs next and does not end must
 * not hold the batch back. One worker: it runs a group task, then (from
 * the same batch of outside work) the long one. */
static void batch_not_held(bool future)
{
    ws_pool *one;
    ws_pool_opts po = {.workers = 1};
    CHECK_EQ(ws_pool_create(&one, &po), 0);
    gate busy = {0}, longer = {0};
    ws_future *f0, *f1 = NULL;
    CHECK_EQ(ws_submit(one, gate_task, &busy, &f0), 0);
    gate_wait_started(&busy); /* the worker is held: the next two queue up */
    ws_group *a, *b = NULL;
    CHECK_EQ(ws_group_create(&a, one, NULL), 0);
    counter c = {0};
    CHECK_EQ(ws_group_post(a, count_task, &c), 0);
    if (future) {
        CHECK_EQ(ws_submit(one, gate_task, &longer, &f1), 0);
    } else {
        CHECK_EQ(ws_group_create(&b, one, NULL), 0);
        CHECK_EQ(ws_group_post(b, gate_task, &longer), 0);
    }
    gate_open(&busy);
    gate_wait_started(&longer);
    CHECK_EQ(ws_group_wait(a, 10000 * MS), 0); /* not WS_ETIMEDOUT */
    CHECK_EQ(ws_group_pending(a), 0);
    CHECK_EQ(atomic_load(&c.runs), 1);
    gate_open(&longer);
    if (future) {
        CHECK_EQ(ws_future_wait(f1, -1), 0);
        ws_future_release(f1);
    } else {
        CHECK_EQ(ws_group_wait(b, -1), 0);
        CHECK_EQ(ws_group_destroy(b), 0);
    }
    CHECK_EQ(ws_group_destroy(a), 0);
    ws_future_release(f0);
    CHECK_EQ(ws_pool_destroy(one), 0);
}

/* A task of group B run nested inside another task (its ws_sync pops B's
 * job, posted above the frame) is counted out of B, not of the outer
 * task's group, and before the outer task goes on: here the outer task
 * then waits, in user code, for B's waiter. One worker. */
static ws_group *nb_a, *nb_b;
static _Atomic int nb_runs, nb_b_waited;

static int nb_noop(void *arg)
{
    (void)arg;
    return 0;
}

static int nb_count(void *arg)
{
    (void)arg;
    atomic_fetch_add(&nb_runs, 1);
    return 0;
}

static int nb_outer(void *hold)
{
    ws_task t;
    ws_spawn(&t, nb_noop, NULL);
    if (ws_group_post(nb_b, nb_count, NULL) != 0)
        return 1;
    if (ws_sync(&t) != 0) /* runs B's job first, nested */
        return 1;
    for (int ms = 0; hold && !atomic_load(&nb_b_waited); ms++) {
        if (ms == 10000)
            return 1; /* B's waiter never got through */
        sleep_ms(1);
    }
    return 0;
}

static void nested_batch(void)
{
    ws_pool *one;
    ws_pool_opts po = {.workers = 1};
    CHECK_EQ(ws_pool_create(&one, &po), 0);
    CHECK_EQ(ws_group_create(&nb_a, one, NULL), 0);
    CHECK_EQ(ws_group_create(&nb_b, one, NULL), 0);
    /* Inside a task of group A. */
    CHECK_EQ(ws_group_post(nb_a, nb_outer, NULL), 0);
    CHECK_EQ(ws_group_wait(nb_a, 10000 * MS), 0);
    CHECK_EQ(ws_group_wait(nb_b, 10000 * MS), 0);
    CHECK_EQ(ws_group_pending(nb_a), 0);
    CHECK_EQ(ws_group_pending(nb_b), 0);
    CHECK_EQ(atomic_load(&nb_runs), 1);
    /* Inside a future's task that then holds the worker until B's wait
       returned. */
    ws_future *f;
    CHECK_EQ(ws_submit(one, nb_outer, &nb_b_waited, &f), 0);
    while (atomic_load(&nb_runs) < 2)
        sleep_ms(1);
    CHECK_EQ(ws_group_wait(nb_b, 10000 * MS), 0);
    CHECK_EQ(ws_group_pending(nb_b), 0);
    atomic_store(&nb_b_waited, 1);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 0);
    ws_future_release(f);
    CHECK_EQ(ws_group_destroy(nb_a), 0);
    CHECK_EQ(ws_group_destroy(nb_b), 0);
    CHECK_EQ(ws_pool_destroy(one), 0);
}

int main(void)
{
    ws_pool_opts o = {.workers = 2};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    basics();
    cancel();
    cancel_on_error();
    limits();
    nesting(0);
    nesting(3);
    wait_in_worker();
    blocking_group();
    cooperative();
    submit_ex();
    refused();
    batch_not_held(false);
    batch_not_held(true);
    nested_batch();
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("group: ok\n");
    return 0;
}
