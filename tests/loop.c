/* ws_parallel_for: every index exactly once, ranges no larger than the
 * grain, adaptive grain, statuses, nesting, foreign threads. */
#include "check.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <wsched.h>

typedef struct cover {
    _Atomic unsigned char *hits;
    size_t begin, grain;
    _Atomic long calls;
} cover;

static int mark(size_t lo, size_t hi, void *arg)
{
    cover *c = arg;
    CHECK(lo < hi);
    if (c->grain)
        CHECK(hi - lo <= c->grain);
    atomic_fetch_add(&c->calls, 1);
    for (size_t i = lo; i < hi; i++)
        CHECK_EQ(atomic_fetch_add(&c->hits[i - c->begin], 1), 0);
    return 0;
}

static void check_cover(ws_pool *pool, size_t begin, size_t n, size_t grain)
{
    cover c = {.begin = begin, .grain = grain};
    c.hits = calloc(n, 1);
    CHECK(c.hits != NULL);
    CHECK_EQ(ws_parallel_for(pool, begin, begin + n, grain, mark, &c), 0);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(atomic_load(&c.hits[i]), 1);
    if (grain)
        CHECK(atomic_load(&c.calls) >= (long)((n + grain - 1) / grain));
    free((void *)c.hits);
}

/* Fails on the range holding 777; every index must still be passed. */
static int fail_at_777(size_t lo, size_t hi, void *arg)
{
    mark(lo, hi, arg);
    return lo <= 777 && 777 < hi ? -33 : 0;
}

static void check_failing(ws_pool *pool, size_t grain)
{
    size_t n = 100000;
    cover c = {.begin = 0, .grain = grain};
    c.hits = calloc(n, 1);
    CHECK(c.hits != NULL);
    CHECK_EQ(ws_parallel_for(pool, 0, n, grain, fail_at_777, &c), -33);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(atomic_load(&c.hits[i]), 1);
    free((void *)c.hits);
}

static ws_pool *the_pool;
static int nested(void *arg)
{
    (void)arg;
    check_cover(the_pool, 10, 5000, 0);
    check_cover(the_pool, 0, 999, 10);
    return 0;
}

typedef struct sum {
    const unsigned *v;
    _Atomic unsigned long total;
} sum;

static int add(size_t lo, size_t hi, void *arg)
{
    sum *s = arg;
    unsigned long t = 0;
    for (size_t i = lo; i < hi; i++)
        t += s->v[i];
    atomic_fetch_add(&s->total, t);
    return 0;
}

int main(void)
{
    for (unsigned workers = 1; workers <= 3; workers++) {
        ws_pool_opts o = {.workers = workers};
        ws_pool *pool;
        CHECK_EQ(ws_pool_create(&pool, &o), 0);
        the_pool = pool;
        size_t grains[] = {0, 1, 7, 1000, 100000};
        for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
            check_cover(pool, 0, 1, grains[g]);
            check_cover(pool, 3, 12345, grains[g]);
        }
        check_failing(pool, 0);
        check_failing(pool, 64);
        CHECK_EQ(ws_run(pool, nested, NULL), 0);

        size_t n = 2000000;
        unsigned *v = malloc(n * sizeof(unsigned));
        CHECK(v != NULL);
        for (size_t i = 0; i < n; i++)
            v[i] = (unsigned)(i % 1000);
        sum s = {.v = v};
        CHECK_EQ(ws_parallel_for(pool, 0, n, 0, add, &s), 0);
        CHECK_EQ(atomic_load(&s.total), 999000000UL);
        free(v);
        CHECK_EQ(ws_pool_destroy(pool), 0);
    }
    printf("loop: ok\n");
    return 0;
}
