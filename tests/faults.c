/* Fault injection (built with WSCHED_FAULT_INJECTION=ON): a scenario that
 * uses every allocating entry point is run once to count the allocation and
 * thread-start sites it passes, then once per site with that site failing.
 * Each call must return its documented code (WS_ENOMEM or WS_EAGAIN from
 * ws_pool_create, WS_ENOMEM from the others), a deque that cannot grow
 * makes ws_spawn run the task inline, every accepted task runs exactly once,
 * no thread is left running, and (ASan build) nothing leaks. */
#include "check.h"
#include "internal.h"

#define NSUB   8  /* futures submitted */
#define NSPAWN 40 /* children spawned by one task: past the deque's 16 slots */

static _Atomic int ran[NSUB];
static _Atomic int spawned_ran[NSPAWN];
static _Atomic int gate;
static _Atomic int gran[NSUB], gdtor[NSUB]; /* group tasks: runs, destructors */

/* The destructor of a group task's arg (&gran[i]) counts in gdtor[i]. */
static void unmark(void *arg)
{
    /* relaxed: counts, read after the group was destroyed. */
    atomic_fetch_add_explicit(&gdtor[(_Atomic int *)arg - gran], 1, memory_order_relaxed);
}

static int mark(void *arg)
{
    /* relaxed: counts, read after ws_pool_destroy joined the workers. */
    atomic_fetch_add_explicit((_Atomic int *)arg, 1, memory_order_relaxed);
    return 0;
}

static int wait_gate(void *arg)
{
    (void)arg;
    /* acquire: nothing to read; the test opens the gate. */
    while (!atomic_load_explicit(&gate, memory_order_acquire))
        ws__cpu_relax();
    return 0;
}

/* Spawns NSPAWN children in one worker: the deque (16 slots) must grow; if
 * it cannot, ws_spawn runs the child inline. Each runs exactly once. */
static int spawner(void *arg)
{
    (void)arg;
    ws_task t[NSPAWN];
    for (int i = 0; i < NSPAWN; i++)
        ws_spawn(&t[i], mark, &spawned_ran[i]);
    int st = 0;
    for (int i = NSPAWN - 1; i >= 0; i--)
        st |= ws_sync(&t[i]);
    return st;
}

static void expect(int rc, int a, int b)
{
    if (rc != 0 && rc != a && rc != b) {
        fprintf(stderr, "faults: unexpected %d (%s)\n", rc, ws_strerror(rc));
        exit(1);
    }
}

static void scenario(void)
{
    for (int i = 0; i < NSUB; i++)
        /* relaxed: no pool runs yet. */
        atomic_store_explicit(&ran[i], 0, memory_order_relaxed);
    for (int i = 0; i < NSPAWN; i++)
        /* relaxed: as above. */
        atomic_store_explicit(&spawned_ran[i], 0, memory_order_relaxed);
    /* relaxed: as above. */
    atomic_store_explicit(&gate, 0, memory_order_relaxed);
    for (int i = 0; i < NSUB; i++) {
        /* relaxed: as above. */
        atomic_store_explicit(&gran[i], 0, memory_order_relaxed);
        atomic_store_explicit(&gdtor[i], 0, memory_order_relaxed);
    }

    ws_pool *pool;
    ws_pool_opts o = {.workers = 2, .pin = WS_PIN_NONE, .deque_capacity = 16, .blocking_max = 2};
    int rc = ws_pool_create(&pool, &o);
    expect(rc, WS_ENOMEM, WS_EAGAIN);
    if (rc)
        return;

    ws_future *f[NSUB] = {0};
    for (int i = 0; i < NSUB; i++)
        expect(ws_submit(pool, mark, &ran[i], &f[i]), WS_ENOMEM, WS_ENOMEM);
    CHECK_EQ(ws_run(pool, spawner, NULL), 0);

    ws_future *then = NULL, *all = NULL, *blk = NULL, *gated = NULL;
    if (f[0])
        expect(ws_future_then(f[0], mark, &ran[0], &then), WS_ENOMEM, WS_ENOMEM);
    ws_future *live[NSUB];
    size_t nlive = 0;
    for (int i = 0; i < NSUB; i++)
        if (f[i])
            live[nlive++] = f[i];
    expect(ws_when_all(live, nlive, &all), WS_ENOMEM, WS_ENOMEM);
    ws_cq *q = NULL;
    size_t attached = 0;
    expect(ws_cq_create(&q), WS_ENOMEM, WS_ENOMEM);
    for (size_t i = 0; q && i < nlive; i++) {
        rc = ws_cq_attach(q, live[i]);
        expect(rc, WS_ENOMEM, WS_ENOMEM);
        attached += rc == 0;
    }
    expect(ws_submit_blocking(pool, mark, &ran[1], &blk), WS_ENOMEM, WS_EAGAIN);
    rc = ws_submit(pool, wait_gate, NULL, &gated);
    expect(rc, WS_ENOMEM, WS_ENOMEM);
    if (rc == 0) {
        size_t idx;
        /* Not done (the gate is closed): wait_any must allocate. */
        expect(ws_wait_any(&gated, 1, 1000000, &idx), WS_ENOMEM, WS_ETIMEDOUT);
    }
    /* A group: every accepted post runs once and destroys its arg once. */
    ws_group *grp = NULL;
    bool gposted[NSUB] = {0};
    expect(ws_group_create(&grp, pool, NULL), WS_ENOMEM, WS_ENOMEM);
    for (int i = 0; grp && i < NSUB; i++) {
        rc = ws_group_post_ex(grp, mark, &gran[i], unmark);
        expect(rc, WS_ENOMEM, WS_ENOMEM);
        gposted[i] = rc == 0;
    }
    /* release: lets the gated task finish. */
    atomic_store_explicit(&gate, 1, memory_order_release);
    if (grp) {
        CHECK_EQ(ws_group_wait(grp, -1), 0);
        CHECK_EQ(ws_group_destroy(grp), 0);
    }
    for (int i = 0; i < NSUB; i++) {
        /* relaxed: the group's wait ordered the tasks before this. */
        CHECK_EQ(atomic_load_explicit(&gran[i], memory_order_relaxed), gposted[i]);
        CHECK_EQ(atomic_load_explicit(&gdtor[i], memory_order_relaxed), gposted[i]);
    }
    for (size_t i = 0; i < attached; i++) {
        ws_future *g;
        CHECK_EQ(ws_cq_next(q, -1, &g), 0);
        ws_future_release(g);
    }

    CHECK_EQ(ws_pool_destroy(pool), 0);
    /* Every accepted task ran exactly once; refused ones never ran. */
    for (int i = 0; i < NSUB; i++) {
        int expected = (f[i] != NULL) + (i == 0 && then) + (i == 1 && blk);
        /* relaxed: the pool has joined its workers. */
        CHECK_EQ(atomic_load_explicit(&ran[i], memory_order_relaxed), expected);
        if (f[i])
            CHECK_EQ(ws_future_status(f[i]), 0);
        ws_future_release(f[i]);
    }
    for (int i = 0; i < NSPAWN; i++)
        /* relaxed: the pool has joined its workers. */
        CHECK_EQ(atomic_load_explicit(&spawned_ran[i], memory_order_relaxed), 1);
    ws_future *more[] = {then, all, blk, gated};
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        if (more[i])
            CHECK_EQ(ws_future_status(more[i]), 0);
        ws_future_release(more[i]);
    }
    if (q)
        CHECK_EQ(ws_cq_destroy(q), 0);
}

int main(void)
{
    int threads = test_threads();
    ws_test_fail_at(0);
    scenario();
    long sites = ws_test_fail_at(0);
    CHECK(sites > 0);
    CHECK_EQ(test_threads(), threads);
    long hit = 0;
    for (long k = 1; k <= sites; k++) {
        ws_test_fail_at(k);
        scenario();
        hit += ws_test_fail_at(0) >= k;
        CHECK_EQ(test_threads(), threads);
    }
    printf("faults: %ld sites in the scenario, %ld runs failed their site\n", sites, hit);
    return 0;
}
