/* Spawn and sync allocate nothing in steady state: every malloc-family call
 * made by this program and the static library is counted (link-time
 * wrapping) while fib runs on the pool. */
#include "check.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <wsched.h>

#include "fib.h"

static _Atomic long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);

/* relaxed: a counter, read after the pool has synced everything. */
void *__wrap_malloc(size_t n)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_realloc(p, n);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
    return __real_posix_memalign(p, a, n);
}

static long counted;
static int measured(void *p)
{
    fib_arg warm = {20, 0};
    fib(&warm); /* deques reach their working size */
    long before = atomic_load(&allocs);
    for (int i = 0; i < 20; i++) {
        fib_arg a = *(fib_arg *)p;
        fib(&a);
        CHECK_EQ(a.r, 10946);
    }
    counted = atomic_load(&allocs) - before;
    return 0;
}

int main(void)
{
    /* The wrapping works: this call is counted. */
    long before = atomic_load(&allocs);
    void *volatile p = malloc(16);
    free(p);
    CHECK_EQ(atomic_load(&allocs) - before, 1);

    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);
    fib_arg a = {21, 0};
    CHECK_EQ(ws_run(pool, measured, &a), 0);
    ws_stats st;
    ws_pool_stats(pool, -1, &st);
    printf("alloc: %llu spawns, %ld allocations during 20 x fib(21)\n",
           (unsigned long long)st.spawns, counted);
    CHECK_EQ(counted, 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    return 0;
}
