/* ext(N): the main thread, not a worker, submits N tiny independent tasks,
 * then waits for all of them (workloads.md). ext-group(N): the same through
 * the runtime's task group, with no handle per task (wsched only: other
 * runtimes' ext already works that way or has nothing else). */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct ext {
    _Atomic int64_t counter;
    int64_t n;
};

static int bump(void *p)
{
    struct ext *e = p;
    /* relaxed: only the count matters; rt_ext's wait orders it before the check. */
    atomic_fetch_add_explicit(&e->counter, 1, memory_order_relaxed);
    return 0;
}

static void *setup(int64_t size)
{
    struct ext *e = calloc(1, sizeof *e);
    if (e != NULL)
        e->n = size;
    return e;
}

static void reset(void *inst)
{
    struct ext *e = inst;
    /* relaxed: no task runs between instances. */
    atomic_store_explicit(&e->counter, 0, memory_order_relaxed);
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct ext *e = inst;
    return rt_ext((size_t)e->n, bump, e);
}

#ifdef RT_WSCHED
static int run_group(void *inst, double *seconds)
{
    (void)seconds;
    struct ext *e = inst;
    return rt_ext_group((size_t)e->n, bump, e);
}
#endif

static int check(void *inst, char *why, size_t len)
{
    struct ext *e = inst;
    /* relaxed: every task finished before rt_ext returned. */
    int64_t got = atomic_load_explicit(&e->counter, memory_order_relaxed);
    if (got == e->n)
        return 0;
    snprintf(why, len, "counter %lld, expected %lld", (long long)got, (long long)e->n);
    return -1;
}

static int64_t tasks(const void *inst)
{
    const struct ext *e = inst;
    return e->n;
}

static const struct bench_case ext = {"ext",   1000000, 1000, RT_EXTERNAL, WS_BENCH_SCALING,
                                      setup,   reset,   run,  check,       tasks,
                                      free};

void ext_register(void)
{
    bench_register(&ext);
#ifdef RT_WSCHED
    static const struct bench_case ext_group = {
        "ext-group", 1000000, 1000, RT_GROUP, WS_BENCH_SCALING, setup, reset, run_group, check,
        tasks,       free};
    bench_register(&ext_group);
#endif
}
