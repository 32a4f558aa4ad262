/* The blocking lane: 64 tasks that sleep 50 ms each finish far sooner than
 * one after another while CPU-bound fork-join work beside them still gets
 * the right answer; the lane stays within blocking_max; its idle threads
 * retire (the process's thread count goes back down); statuses and cancel
 * work as for CPU futures. This checks concurrency, it is no benchmark. */
#include "check.h"
#include "gate.h"

#include <wsched.h>

#define MS 1000000LL

typedef struct nap {
    long ms;
    int ret;
    _Atomic int *running, *peak;
} nap;

static int nap_task(void *p)
{
    nap *n = p;
    CHECK_EQ(ws_worker_id(), -1);
    int now = atomic_fetch_add(n->running, 1) + 1;
    for (int peak = atomic_load(n->peak); now > peak;)
        if (atomic_compare_exchange_weak(n->peak, &peak, now))
            break;
    sleep_ms(n->ms);
    atomic_fetch_sub(n->running, 1);
    return n->ret;
}

/* CPU-bound fork-join work: counts the primes in [lo, hi). */
typedef struct primes {
    long lo, hi, count;
} primes;

static int count_primes(void *p)
{
    primes *a = p;
    if (a->hi - a->lo > 1000) {
        long mid = a->lo + (a->hi - a->lo) / 2;
        primes x = {a->lo, mid, 0}, y = {mid, a->hi, 0};
        int rc = ws_join(count_primes, &x, count_primes, &y);
        a->count = x.count + y.count;
        return rc;
    }
    a->count = 0;
    for (long n = a->lo < 2 ? 2 : a->lo; n < a->hi; n++) {
        long d = 2;
        while (d * d <= n && n % d)
            d++;
        a->count += d * d > n;
    }
    return 0;
}

/* Submits n naps of ms each, returns the wall time until all are done, and
 * checks their statuses and the lane's bound. */
static double naps(ws_pool *pool, int n, long ms, int max, primes *beside)
{
    nap arg[64];
    ws_future *f[64];
    _Atomic int running = 0, peak = 0;
    CHECK(n <= 64);
    double t0 = test_now();
    for (int i = 0; i < n; i++) {
        arg[i] = (nap){ms, i, &running, &peak};
        CHECK_EQ(ws_submit_blocking(pool, nap_task, &arg[i], &f[i]), 0);
    }
    if (beside) {
        CHECK_EQ(ws_run(pool, count_primes, beside), 0);
        CHECK_EQ(beside->count, 17984); /* primes below 200,000 */
    }
    CHECK_EQ(ws_wait_all(f, (size_t)n, -1), 0);
    double dt = test_now() - t0;
    for (int i = 0; i < n; i++) {
        CHECK_EQ(ws_future_status(f[i]), i);
        ws_future_release(f[i]);
    }
    CHECK(atomic_load(&peak) <= max);
    return dt;
}

int main(void)
{
    int base = test_threads();
    ws_pool_opts o = {.workers = 2, .pin = WS_PIN_NONE, .blocking_idle_ms = 100};
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    int idle = test_threads();
    CHECK(idle >= base + 2); /* TSan adds a thread of its own */

    /* Fork-join work beside the sleepers: CPU workers are never blocked. */
    primes pr = {0, 200000, 0};
    double dt = naps(pool, 64, 50, 64, &pr);
    printf("blocking: 64 x 50 ms in %.0f ms\n", dt * 1e3);
    CHECK(dt < 64 * 0.050 / 4);
    CHECK(test_threads() > idle);

    /* Idle lane threads retire after blocking_idle_ms. */
    double deadline = test_now() + 5.0;
    while (test_threads() > idle && test_now() < deadline)
        sleep_ms(10);
    CHECK_EQ(test_threads(), idle);
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* At most blocking_max at once: 16 naps of 20 ms on 4 threads take at
       least 4 rounds. */
    o.blocking_max = 4;
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    dt = naps(pool, 16, 20, 4, NULL);
    CHECK(dt >= 4 * 0.020);

    /* Cancel a blocking task that has not started (the lane is full). */
    gate g[4] = {{.ret = 1}, {.ret = 1}, {.ret = 1}, {.ret = 1}};
    ws_future *busy[4], *f;
    counter c = {.ret = 2};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(ws_submit_blocking(pool, gate_task, &g[i], &busy[i]), 0);
    for (int i = 0; i < 4; i++)
        gate_wait_started(&g[i]);
    CHECK_EQ(ws_submit_blocking(pool, count_task, &c, &f), 0);
    CHECK_EQ(ws_future_wait(f, 20 * MS), WS_ETIMEDOUT);
    CHECK_EQ(ws_future_cancel(f), 0);
    CHECK_EQ(ws_future_status(f), WS_ECANCELED);
    for (int i = 0; i < 4; i++)
        gate_open(&g[i]);
    CHECK_EQ(ws_wait_all(busy, 4, -1), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(atomic_load(&c.runs), 0);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(ws_future_status(busy[i]), 1);
        ws_future_release(busy[i]);
    }
    ws_future_release(f);
    printf("blocking: ok\n");
    return 0;
}
