/* fib(n) without cutoff: one spawn per call with n >= 2 (workloads.md). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

struct fib {
    int n;
    int64_t r;
};

static int fib_task(void *p)
{
    struct fib *f = p;
    if (f->n < 2) {
        f->r = f->n;
        return 0;
    }
    struct fib a = {f->n - 1, 0};
    struct fib b = {f->n - 2, 0};
    rt_group g;
    rt_task t;
    rt_group_init(&g);
    rt_spawn(&g, &t, fib_task, &a);
    int rc = fib_task(&b);
    int rw = rt_wait(&g);
    f->r = a.r + b.r;
    return rc != 0 ? rc : rw;
}

/* fib(n) by iteration: the reference value. */
static int64_t fib_ref(int n)
{
    int64_t a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        int64_t c = a + b;
        a = b;
        b = c;
    }
    return a;
}

static void *setup(int64_t size)
{
    struct fib *f = malloc(sizeof *f);
    if (f != NULL)
        f->n = (int)size;
    return f;
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    return rt_root(fib_task, inst);
}

static int check(void *inst, char *why, size_t len)
{
    const struct fib *f = inst;
    if (f->r == fib_ref(f->n))
        return 0;
    snprintf(why, len, "fib(%d) = %lld, expected %lld", f->n, (long long)f->r,
             (long long)fib_ref(f->n));
    return -1;
}

/* fib(n+1) - 1 spawns. */
static int64_t spawns(const void *inst)
{
    const struct fib *f = inst;
    return fib_ref(f->n + 1) - 1;
}

static const struct bench_case fib30 = {
    "fib30", 30, 12, RT_FORKJOIN, WS_BENCH_SCALING, setup, NULL, run, check, spawns, free};

static const struct bench_case fib35 = {
    "fib35", 35, 15, RT_FORKJOIN, WS_BENCH_SCALING, setup, NULL, run, check, spawns, free};

void fib_register(void)
{
    bench_register(&fib30);
    bench_register(&fib35);
}
