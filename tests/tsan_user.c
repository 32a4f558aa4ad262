/* A user's ThreadSanitizer build against a library built without it (the
 * Release build): TSan cannot see the library's atomics, so the library
 * reports its real happens-before edges to the TSan runtime. Every result
 * here travels through plain memory; TSan (halt_on_error) fails the test on
 * any race it reports. */
#include "check.h"

#include <wsched.h>

#include "fib.h"

static int square(void *p)
{
    long *v = p;
    *v = *v * *v;
    return 0;
}

static int add_one(void *p)
{
    long *v = p;
    *v += 1;
    return 0;
}

static int fill(size_t lo, size_t hi, void *arg)
{
    long *a = arg;
    for (size_t i = lo; i < hi; i++)
        a[i] = (long)i * 2;
    return 0;
}

int main(void)
{
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);

    /* ws_run and fork-join: stolen children write, the parent reads. */
    for (int i = 0; i < 20; i++) {
        fib_arg a = {22, 0};
        CHECK_EQ(ws_run(pool, fib, &a), 0);
        CHECK_EQ(a.r, 17711);
    }

    /* Futures: arg written before submit, result read after wait. */
    long v[64];
    ws_future *f[64];
    for (int i = 0; i < 64; i++) {
        v[i] = i;
        CHECK_EQ(ws_submit(pool, square, &v[i], &f[i]), 0);
    }
    CHECK_EQ(ws_wait_all(f, 64, -1), 0);
    for (int i = 0; i < 64; i++) {
        CHECK_EQ(v[i], (long)i * i);
        ws_future_release(f[i]);
    }

    /* A continuation reads its parent's result; the completion queue and
       when_all hand results back. */
    long x = 7;
    ws_future *p, *c, *all;
    ws_cq *q;
    CHECK_EQ(ws_cq_create(&q), 0);
    CHECK_EQ(ws_submit(pool, square, &x, &p), 0);
    CHECK_EQ(ws_future_then(p, add_one, &x, &c), 0);
    CHECK_EQ(ws_cq_attach(q, c), 0);
    ws_future *got;
    CHECK_EQ(ws_cq_next(q, -1, &got), 0);
    CHECK(got == c);
    CHECK_EQ(x, 50);
    ws_future_release(got);
    long y[4] = {1, 2, 3, 4};
    ws_future *g[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(ws_submit_blocking(pool, square, &y[i], &g[i]), 0);
    CHECK_EQ(ws_when_all(g, 4, &all), 0);
    CHECK_EQ(ws_future_wait(all, -1), 0);
    CHECK_EQ(y[0] + y[1] + y[2] + y[3], 30);
    for (int i = 0; i < 4; i++)
        ws_future_release(g[i]);
    ws_future_release(all);
    ws_future_release(p);
    ws_future_release(c);
    CHECK_EQ(ws_cq_destroy(q), 0);

    /* A loop's writes, read by the caller. */
    long arr[10000];
    CHECK_EQ(ws_parallel_for(pool, 0, 10000, 0, fill, arr), 0);
    for (long i = 0; i < 10000; i++)
        CHECK_EQ(arr[i], i * 2);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("tsan_user: ok\n");
    return 0;
}
