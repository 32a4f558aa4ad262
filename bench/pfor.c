/* Parallel loop: the sum of size ints, with the runtime's own grain (0) and
 * with a fixed grain of 10,000. */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define PFOR_GRAIN 10000

struct pfor {
    const int *data;
    size_t n, grain;
    _Atomic int64_t total;
};

/* The array outlives one benchmark run: filling 10^8 ints takes longer than
 * summing them, so it is filled once per process and size. */
static int *cached;
static size_t cached_n;

static const int *data_of(size_t n)
{
    if (cached_n == n)
        return cached;
    free(cached);
    cached_n = 0;
    cached = malloc(n * sizeof *cached);
    if (cached == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        cached[i] = (int)(i % 1000);
    cached_n = n;
    return cached;
}

static int body(size_t lo, size_t hi, void *arg)
{
    struct pfor *p = arg;
    int64_t sum = 0;
    for (size_t i = lo; i < hi; i++)
        sum += p->data[i];
    /* relaxed: only the total matters; rt_pfor's return orders it before the check. */
    atomic_fetch_add_explicit(&p->total, sum, memory_order_relaxed);
    return 0;
}

static void *setup_grain(int64_t size, size_t grain)
{
    struct pfor *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->n = (size_t)size;
    p->grain = grain;
    p->data = data_of(p->n);
    if (p->data == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

static void *setup_auto(int64_t size)
{
    return setup_grain(size, 0);
}

static void *setup_fixed(int64_t size)
{
    return setup_grain(size, PFOR_GRAIN);
}

static void reset(void *inst)
{
    struct pfor *p = inst;
    /* relaxed: no body runs between instances. */
    atomic_store_explicit(&p->total, 0, memory_order_relaxed);
}

static int run(void *inst, double *seconds)
{
    (void)seconds;
    struct pfor *p = inst;
    return rt_pfor(0, p->n, p->grain, body, p);
}

static int check(void *inst, char *why, size_t len)
{
    struct pfor *p = inst;
    int64_t r = (int64_t)(p->n % 1000);
    int64_t want = (int64_t)(p->n / 1000) * 499500 + r * (r - 1) / 2;
    /* relaxed: every body finished before rt_pfor returned. */
    int64_t got = atomic_load_explicit(&p->total, memory_order_relaxed);
    if (got == want)
        return 0;
    snprintf(why, len, "sum %lld, expected %lld", (long long)got, (long long)want);
    return -1;
}

static int64_t elements(const void *inst)
{
    const struct pfor *p = inst;
    return (int64_t)p->n;
}

static const struct bench_case pfor_auto = {
    "pfor-auto", 100000000, 100000,   RT_LOOP, WS_BENCH_SCALING, setup_auto, reset,
    run,         check,     elements, free};

static const struct bench_case pfor_fixed = {
    "pfor-10k", 100000000, 100000,   RT_LOOP, WS_BENCH_SCALING, setup_fixed, reset,
    run,        check,     elements, free};

void pfor_register(void)
{
    bench_register(&pfor_auto);
    bench_register(&pfor_fixed);
}
