/* Liveness at the edges: every wait returns, no input overflows a stack.
 *
 * Each scenario runs under a watchdog: a hang fails the test with the
 * scenario's name instead of timing out. Scenarios:
 *   - submit-and-wait nested 10,000 deep, on 1 and 2 workers with default
 *     stacks, and with 64 KiB stacks (helping must stop at the stack's
 *     headroom and spare workers carry the chain on);
 *   - waiting on a future whose task another waiter already runs;
 *   - a task that takes its own children through a completion queue on a
 *     1-worker pool;
 *   - ws_pool_destroy from the pool's own blocking lane (refused) and from a
 *     task of another pool whose destroyed pool's task needs the first pool;
 *   - ws_parallel_for over ranges near SIZE_MAX with huge grains;
 *   - cancelling the root of a 200,000-link then() chain, from a foreign
 *     thread and from a worker with a 64 KiB stack; a 200,000-deep when_all
 *     chain completing;
 *   - with blocking_max 1: a lane task that waits on a lane future; a lane
 *     task waiting on a CPU task that waits on a lane task; a lane task
 *     taking lane children through wait_any and a completion queue; a lane
 *     task waiting on then() and when_all outputs of a lane task;
 *   - a future run inline keeps its status through a cancelling shutdown;
 *   - submit-and-wait links of 256 KiB frames each: a nested task starts
 *     with half of its stack.
 */
#include "check.h"
#include "gate.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <wsched.h>

#define MS 1000000LL

/* ------------------------------------------------------------------------ */
/* Watchdog                                                                  */

static const char *_Atomic scenario_name;
static _Atomic long scenario_seq;

static void *watchdog(void *arg)
{
    (void)arg;
    const char *env = getenv("WS_HANG_SECONDS");
    double limit = env ? atof(env) : 120;
    long seen = -1;
    double since = test_now();
    for (;;) {
        sleep_ms(100);
        long seq = atomic_load(&scenario_seq);
        if (seq != seen) {
            seen = seq;
            since = test_now();
        } else if (test_now() - since > limit) {
            fprintf(stderr, "liveness: scenario '%s' hangs\n", atomic_load(&scenario_name));
            _exit(1);
        }
    }
    return NULL;
}

static double scenario_start;

/* Ends the last scenario (prints its time) and starts the next. */
static void begin(const char *name)
{
    const char *last = atomic_load(&scenario_name);
    if (last)
        printf("liveness: %-55s %.2f s\n", last, test_now() - scenario_start);
    scenario_start = test_now();
    atomic_store(&scenario_name, name);
    atomic_fetch_add(&scenario_seq, 1);
}

static ws_pool *make_pool(unsigned workers, size_t stack)
{
    ws_pool_opts o = {.workers = workers, .stack_size = stack, .pin = WS_PIN_NONE};
    ws_pool *p;
    CHECK_EQ(ws_pool_create(&p, &o), 0);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Submit-and-wait, nested                                                   */

typedef struct nest {
    ws_pool *pool;
    long depth;
} nest;

/* Submits the next level and waits for it: returns depth + the levels below,
 * modulo 2^31 (each level adds its depth). */
static int nest_task(void *p)
{
    nest *n = p;
    if (n->depth == 0)
        return 0;
    nest child = {n->pool, n->depth - 1};
    ws_future *f;
    int rc = ws_submit(n->pool, nest_task, &child, &f);
    if (rc)
        return rc;
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int below = ws_future_status(f);
    ws_future_release(f);
    return (int)((below + n->depth) % 1000000007);
}

/* spares: whether the chain must outgrow one worker's stack, so that spare
 * workers (threads of the pool beyond its workers) must have started. */
static void nested_waits(unsigned workers, size_t stack, long depth, bool spares)
{
    int before = test_threads();
    ws_pool *p = make_pool(workers, stack);
    nest n = {p, depth};
    ws_future *f;
    CHECK_EQ(ws_submit(p, nest_task, &n, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), (depth * (depth + 1) / 2) % 1000000007);
    if (spares) /* idle spares linger for seconds: still counted here */
        CHECK(test_threads() > before + (int)workers);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* Two waiters on one future: the first runs it, the second waits for it. */
typedef struct twice {
    ws_pool *pool;
    ws_future *shared;
} twice;

static int slow_leaf(void *p)
{
    (void)p;
    sleep_ms(20);
    return 7;
}

static int wait_shared(void *p)
{
    twice *t = p;
    CHECK_EQ(ws_future_wait(t->shared, -1), 0);
    return ws_future_status(t->shared);
}

static void shared_wait(void)
{
    ws_pool *p = make_pool(1, 0);
    twice t = {p, NULL};
    ws_future *a, *b;
    CHECK_EQ(ws_submit(p, slow_leaf, NULL, &t.shared), 0);
    CHECK_EQ(ws_submit(p, wait_shared, &t, &a), 0);
    CHECK_EQ(ws_submit(p, wait_shared, &t, &b), 0);
    ws_future *all[] = {a, b};
    CHECK_EQ(ws_wait_all(all, 2, -1), 0);
    CHECK_EQ(ws_future_status(a), 7);
    CHECK_EQ(ws_future_status(b), 7);
    ws_future_release(a);
    ws_future_release(b);
    ws_future_release(t.shared);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ------------------------------------------------------------------------ */
/* A completion queue taken inside a task                                    */

#define CQ_KIDS 50

static int ret_arg(void *p)
{
    return (int)(long)p;
}

static int cq_parent(void *p)
{
    ws_pool *pool = p;
    ws_cq *q;
    CHECK_EQ(ws_cq_create(&q), 0);
    for (long i = 1; i <= CQ_KIDS; i++) {
        ws_future *f;
        CHECK_EQ(ws_submit(pool, ret_arg, (void *)i, &f), 0);
        CHECK_EQ(ws_cq_attach(q, f), 0);
        ws_future_release(f);
    }
    long sum = 0;
    for (int i = 0; i < CQ_KIDS; i++) {
        ws_future *f;
        CHECK_EQ(ws_cq_next(q, -1, &f), 0);
        sum += ws_future_status(f);
        ws_future_release(f);
    }
    CHECK_EQ(ws_cq_destroy(q), 0);
    return (int)sum;
}

static void cq_in_task(void)
{
    ws_pool *p = make_pool(1, 0);
    CHECK_EQ(ws_run(p, cq_parent, p), CQ_KIDS * (CQ_KIDS + 1) / 2);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ------------------------------------------------------------------------ */
/* Destroy from awkward places                                               */

static int destroy_own(void *p)
{
    return ws_pool_destroy(p);
}

static void destroy_from_lane(void)
{
    ws_pool *p = make_pool(1, 0);
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(p, destroy_own, p, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), WS_EBUSY);
    ws_future_release(f);
    CHECK_EQ(ws_submit(p, destroy_own, p, &f), 0); /* a CPU worker: refused too */
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), WS_EBUSY);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

static ws_pool *P1, *Q1;

/* On Q1: needs P1 to run a root task. */
static int needs_p(void *arg)
{
    (void)arg;
    sleep_ms(20); /* the destroyer is waiting by now */
    return ws_run(P1, ret_arg, (void *)3);
}

/* On P1's only worker: Q1's task needs P1 while this destroys Q1. */
static int destroy_other(void *arg)
{
    (void)arg;
    CHECK_EQ(ws_post(Q1, needs_p, NULL), 0);
    return ws_pool_destroy(Q1);
}

static void destroy_from_other_pool(void)
{
    P1 = make_pool(1, 0);
    Q1 = make_pool(1, 0);
    CHECK_EQ(ws_run(P1, destroy_other, NULL), 0);
    CHECK_EQ(ws_pool_destroy(P1), 0);
}

/* ------------------------------------------------------------------------ */
/* Loops over extreme ranges                                                 */

typedef struct span {
    _Atomic uint64_t covered; /* sum of range lengths, modulo 2^64 */
    _Atomic long calls;
    size_t grain;
} span;

static int span_body(size_t lo, size_t hi, void *p)
{
    span *s = p;
    CHECK(lo < hi);
    CHECK(s->grain == 0 || hi - lo <= s->grain);
    atomic_fetch_add(&s->covered, (uint64_t)(hi - lo));
    atomic_fetch_add(&s->calls, 1);
    return 0;
}

static void loop_case(ws_pool *p, size_t begin, size_t end, size_t grain, long calls)
{
    span s = {.grain = grain};
    CHECK_EQ(ws_parallel_for(p, begin, end, grain, span_body, &s), 0);
    CHECK(atomic_load(&s.covered) == (uint64_t)(end - begin));
    if (calls >= 0)
        CHECK_EQ(atomic_load(&s.calls), calls);
}

static void loop_extremes(void)
{
    ws_pool *p = make_pool(2, 0);
    loop_case(p, 0, SIZE_MAX, (size_t)1 << 62, 4);
    loop_case(p, 0, SIZE_MAX, SIZE_MAX, 1);
    loop_case(p, 0, SIZE_MAX, SIZE_MAX - 1, 2);
    loop_case(p, SIZE_MAX - 10, SIZE_MAX, SIZE_MAX, 1);
    loop_case(p, SIZE_MAX - 10, SIZE_MAX, 3, 4);
    loop_case(p, 1, SIZE_MAX, (size_t)1 << 63, 2);
    loop_case(p, 0, SIZE_MAX, 0, -1); /* adaptive: chunks of SIZE_MAX / 128 */
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ------------------------------------------------------------------------ */
/* Long chains                                                               */

#define CHAIN 200000

typedef struct chain {
    ws_pool *pool;
    ws_future **links; /* links[0] is the root */
    gate g;
} chain;

static void chain_build(chain *c, ws_pool *p)
{
    c->pool = p;
    c->links = malloc((CHAIN + 1) * sizeof(*c->links));
    CHECK(c->links != NULL);
    memset(&c->g, 0, sizeof(c->g));
    CHECK_EQ(ws_submit(p, gate_task, &c->g, &c->links[0]), 0);
    gate_wait_started(&c->g);
}

static void chain_then(chain *c, ws_future *root_pending)
{
    c->links[1] = root_pending;
    for (long i = 1; i < CHAIN; i++)
        CHECK_EQ(ws_future_then(c->links[i], ret_arg, NULL, &c->links[i + 1]), 0);
}

static void chain_check_release(chain *c, long from, int status)
{
    for (long i = from; i <= CHAIN; i++) {
        CHECK_EQ(ws_future_wait(c->links[i], -1), 0);
        CHECK_EQ(ws_future_status(c->links[i]), status);
        ws_future_release(c->links[i]);
    }
    free(c->links);
}

static int cancel_root(void *p)
{
    return ws_future_cancel(p);
}

/* A then() chain hangs off a pending future; cancelling it cancels the
 * whole chain, iteratively. from_worker: the cancel runs on a worker of a
 * pool with 64 KiB stacks. */
static void then_chain_cancel(bool from_worker)
{
    ws_pool *p = make_pool(1, 0);
    chain c;
    chain_build(&c, p);
    ws_future *pending; /* queued behind the gate: not started */
    CHECK_EQ(ws_submit(p, ret_arg, NULL, &pending), 0);
    chain_then(&c, pending);
    if (from_worker) {
        ws_pool *small = make_pool(1, 65536);
        CHECK_EQ(ws_run(small, cancel_root, pending), 0);
        CHECK_EQ(ws_pool_destroy(small), 0);
    } else {
        CHECK_EQ(ws_future_cancel(pending), 0);
    }
    gate_open(&c.g);
    CHECK_EQ(ws_future_wait(c.links[0], -1), 0);
    ws_future_release(c.links[0]);
    chain_check_release(&c, 1, WS_ECANCELED);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* when_all(when_all(... (root))) completes when the root does. */
static void when_chain_complete(void)
{
    ws_pool *p = make_pool(1, 0);
    chain c;
    chain_build(&c, p);
    c.g.ret = 5;
    c.links[1] = c.links[0];
    CHECK_EQ(ws_future_retain(c.links[0]), 0);
    for (long i = 1; i < CHAIN; i++)
        CHECK_EQ(ws_when_all(&c.links[i], 1, &c.links[i + 1]), 0);
    gate_open(&c.g);
    ws_future_release(c.links[0]);
    chain_check_release(&c, 1, 5);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ------------------------------------------------------------------------ */
/* The blocking lane waiting on itself                                       */

typedef struct lane_nest {
    ws_pool *pool;
    int depth;
} lane_nest;

static int lane_task(void *p)
{
    lane_nest *n = p;
    if (n->depth == 0)
        return 1;
    lane_nest child = {n->pool, n->depth - 1};
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(n->pool, lane_task, &child, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int r = ws_future_status(f) + 1;
    ws_future_release(f);
    return r;
}

static void lane_waits_on_lane(void)
{
    ws_pool_opts o = {.workers = 1, .blocking_max = 1};
    ws_pool *p;
    CHECK_EQ(ws_pool_create(&p, &o), 0);
    lane_nest n = {p, 20};
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(p, lane_task, &n, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 21);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* blocking_max 1: the lane's one thread waits on a CPU task, which waits
 * on a lane task queued behind it; and a lane task takes lane children
 * through wait_any and a completion queue. */
static ws_pool *LP;

static int lane_leaf(void *p)
{
    (void)p;
    sleep_ms(1);
    return 4;
}

static _Atomic int cpu_started;

static int cpu_waits_lane(void *p)
{
    (void)p;
    atomic_store(&cpu_started, 1);
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(LP, lane_leaf, NULL, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int r = ws_future_status(f);
    ws_future_release(f);
    return r + 1;
}

static int lane_waits_cpu(void *p)
{
    (void)p;
    ws_future *f;
    CHECK_EQ(ws_submit(LP, cpu_waits_lane, NULL, &f), 0);
    while (!atomic_load(&cpu_started)) /* on the worker, not run here */
        sleep_ms(1);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int r = ws_future_status(f);
    ws_future_release(f);
    return r + 1;
}

/* A CPU task waited on from a lane thread still runs on a CPU worker (one
 * of the pool's, or a spare standing in: not the waiting lane thread). */
static int elsewhere(void *p)
{
    return !pthread_equal(pthread_self(), *(pthread_t *)p);
}

static int lane_waits_fresh_cpu(void *p)
{
    (void)p;
    pthread_t me = pthread_self();
    ws_future *f;
    CHECK_EQ(ws_submit(LP, elsewhere, &me, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int r = ws_future_status(f);
    ws_future_release(f);
    return r;
}

static int lane_any_and_cq(void *p)
{
    (void)p;
    ws_future *f;
    size_t idx;
    CHECK_EQ(ws_submit_blocking(LP, lane_leaf, NULL, &f), 0);
    CHECK_EQ(ws_wait_any(&f, 1, -1, &idx), 0);
    CHECK_EQ(idx, 0);
    CHECK_EQ(ws_future_status(f), 4);
    ws_future_release(f);
    ws_cq *q;
    CHECK_EQ(ws_cq_create(&q), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ws_submit_blocking(LP, lane_leaf, NULL, &f), 0);
        CHECK_EQ(ws_cq_attach(q, f), 0);
        ws_future_release(f);
    }
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ws_cq_next(q, -1, &f), 0);
        sum += ws_future_status(f);
        ws_future_release(f);
    }
    CHECK_EQ(ws_cq_destroy(q), 0);
    return sum;
}

static void lane_saturated(void)
{
    ws_pool_opts o = {.workers = 1, .blocking_max = 1};
    CHECK_EQ(ws_pool_create(&LP, &o), 0);
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(LP, lane_waits_cpu, NULL, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 6);
    ws_future_release(f);
    for (int i = 0; i < 20; i++) {
        CHECK_EQ(ws_submit_blocking(LP, lane_waits_fresh_cpu, NULL, &f), 0);
        CHECK_EQ(ws_future_wait(f, -1), 0);
        CHECK_EQ(ws_future_status(f), 1);
        ws_future_release(f);
    }
    CHECK_EQ(ws_submit_blocking(LP, lane_any_and_cq, NULL, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 12);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(LP), 0);
}

/* A future run inline by its waiter keeps its status when a cancelling
 * shutdown later reaches its queued job. */
static ws_pool *SP;
static _Atomic int inline_done, shut;

static int forty_two(void *p)
{
    (void)p;
    return 42;
}

static int run_child_then_hold(void *p)
{
    ws_future **child = p;
    CHECK_EQ(ws_submit(SP, forty_two, NULL, child), 0);
    CHECK_EQ(ws_future_wait(*child, -1), 0); /* runs it here */
    CHECK_EQ(ws_future_status(*child), 42);
    atomic_store(&inline_done, 1);
    while (!atomic_load(&shut))
        sleep_ms(1);
    return 0;
}

static void inline_then_cancel(void)
{
    ws_pool_opts o = {.workers = 1};
    CHECK_EQ(ws_pool_create(&SP, &o), 0);
    ws_future *child = NULL, *outer;
    CHECK_EQ(ws_submit(SP, run_child_then_hold, &child, &outer), 0);
    while (!atomic_load(&inline_done))
        sleep_ms(1);
    CHECK_EQ(ws_pool_shutdown(SP, WS_SHUTDOWN_CANCEL_PENDING), 0);
    atomic_store(&shut, 1);
    CHECK_EQ(ws_pool_destroy(SP), 0);
    CHECK_EQ(ws_future_status(child), 42);
    CHECK_EQ(ws_future_state(child), WS_FUTURE_DONE);
    CHECK_EQ(ws_future_status(outer), 0);
    ws_future_release(child);
    ws_future_release(outer);
}

/* Each link of a submit-and-wait chain needs 256 KiB of stack: a task that
 * starts nested inside a wait still has half of its worker's stack. */
#define BIG_LINKS 100

static int big_link(void *p)
{
    long depth = (long)p;
    volatile char pad[256 << 10];
    pad[0] = 1;
    pad[sizeof(pad) - 1] = 1;
    if (depth == 0)
        return pad[0];
    ws_future *f;
    CHECK_EQ(ws_submit(SP, big_link, (void *)(depth - 1), &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    int r = ws_future_status(f) + pad[sizeof(pad) - 1];
    ws_future_release(f);
    return r;
}

static void big_frames(void)
{
    ws_pool_opts o = {.workers = 1};
    CHECK_EQ(ws_pool_create(&SP, &o), 0);
    CHECK_EQ(ws_run(SP, big_link, (void *)(long)BIG_LINKS), BIG_LINKS + 1);
    CHECK_EQ(ws_pool_destroy(SP), 0);
}

/* A lane thread of a one-thread lane waits on then() and when_all outputs
 * of a lane task it queued: it runs the lane's queued work meanwhile. */
static int lane_outputs(void *p)
{
    (void)p;
    ws_future *a, *t, *all;
    CHECK_EQ(ws_submit_blocking(LP, lane_leaf, NULL, &a), 0);
    CHECK_EQ(ws_future_then(a, forty_two, NULL, &t), 0);
    CHECK_EQ(ws_when_all(&a, 1, &all), 0);
    CHECK_EQ(ws_future_wait(all, -1), 0);
    CHECK_EQ(ws_future_status(all), 4); /* the first non-zero status */
    CHECK_EQ(ws_future_wait(t, -1), 0);
    int r = ws_future_status(t) + ws_future_status(a);
    ws_future_release(a);
    ws_future_release(t);
    ws_future_release(all);
    return r;
}

static void lane_waits_outputs(void)
{
    ws_pool_opts o = {.workers = 1, .blocking_max = 1};
    CHECK_EQ(ws_pool_create(&LP, &o), 0);
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(LP, lane_outputs, NULL, &f), 0);
    CHECK_EQ(ws_future_wait(f, -1), 0);
    CHECK_EQ(ws_future_status(f), 46);
    ws_future_release(f);
    CHECK_EQ(ws_pool_destroy(LP), 0);
}

int main(void)
{
    pthread_t wd;
    CHECK_EQ(pthread_create(&wd, NULL, watchdog, NULL), 0);
    pthread_detach(wd);

    begin("nested waits, 1 worker, depth 10000");
    nested_waits(1, 0, 10000, false);
    begin("nested waits, 2 workers, depth 10000");
    nested_waits(2, 0, 10000, false);
    begin("nested waits, 1 worker, 64 KiB stacks, depth 10000");
    nested_waits(1, 65536, 10000, true);
    begin("two waiters on one future");
    shared_wait();
    begin("completion queue inside a task");
    cq_in_task();
    begin("destroy from the pool's own blocking lane");
    destroy_from_lane();
    begin("destroy from a task of another pool");
    destroy_from_other_pool();
    begin("parallel_for near SIZE_MAX");
    loop_extremes();
    begin("cancel a then() chain from a foreign thread");
    then_chain_cancel(false);
    begin("cancel a then() chain from a 64 KiB worker");
    then_chain_cancel(true);
    begin("when_all chain completing");
    when_chain_complete();
    begin("blocking lane waiting on itself, blocking_max 1");
    lane_waits_on_lane();
    begin("blocking lane of one thread, waits across the lane and the workers");
    lane_saturated();
    begin("a one-thread lane waiting on then() and when_all outputs");
    lane_waits_outputs();
    begin("status of a future run inline, then a cancelling shutdown");
    inline_then_cancel();
    begin("nested tasks of 256 KiB frames on 8 MiB stacks");
    big_frames();
    begin(NULL);
    printf("liveness: ok\n");
    return 0;
}
