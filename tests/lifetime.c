/* Lifetime: destroy finishes all accepted work; a thread gives back the
 * pool references it leased or owes when it exits; 1,000 create/destroy
 * cycles leave no thread behind (memory: LeakSanitizer in the ASan build). */
#include "check.h"
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <wsched.h>

static int bump(void *arg)
{
    atomic_fetch_add((_Atomic long *)arg, 1);
    return 0;
}

static int slow_bump(void *arg)
{
    usleep(1000);
    return bump(arg);
}

struct three {
    ws_pool *pool;
    ws_future *f[3];
    _Atomic long count;
};

static void *submit_three(void *arg)
{
    struct three *t = arg;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(ws_submit(t->pool, bump, &t->count, &t->f[i]), 0);
    return NULL; /* leaves holding the rest of a lease */
}

/* Takes three references and drops them, through the lease (what futures
 * do), then exits owing three and holding the rest of a lease. */
static void *take_and_drop(void *arg)
{
    ws_pool *pool = arg;
    for (int i = 0; i < 3; i++)
        ws__pool_retain(pool);
    for (int i = 0; i < 3; i++)
        ws__pool_release(pool);
    return NULL;
}

/* A reference dropped by a key destructor that runs after the lease's
 * own (a key made later) is given back too. */
static pthread_key_t late_key;

static void late_drop(void *pool)
{
    ws__pool_release(pool);
}

static void *drop_late(void *arg)
{
    ws_pool *pool = arg;
    ws__pool_retain(pool); /* the lease's key is made here, before late_key */
    ws__pool_release(pool);
    ws__pool_retain(pool);
    CHECK_EQ(pthread_key_create(&late_key, late_drop), 0);
    CHECK_EQ(pthread_setspecific(late_key, pool), 0);
    return NULL;
}

static uint64_t refs(ws_pool *pool)
{
    /* relaxed: read while the threads that changed it have been joined. */
    return atomic_load_explicit(&pool->refs, memory_order_relaxed);
}

/* The pool's count of references is its own plus one per live future once
 * the thread that leased them has exited; a thread that took and dropped
 * references leaves the count as it found it when it exits, also when a
 * later key destructor drops one. (Counts read
 * while no worker frees a future: a worker owes what it drops until it
 * has 64 or exits.) */
static void leases(void)
{
    struct three t = {.count = 0};
    CHECK_EQ(ws_pool_create(&t.pool, NULL), 0);
    CHECK_EQ(refs(t.pool), 1);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, submit_three, &t), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(refs(t.pool), 4);
    CHECK_EQ(ws_wait_all(t.f, 3, -1), 0);
    CHECK_EQ(pthread_create(&th, NULL, take_and_drop, t.pool), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(refs(t.pool), 4);
    CHECK_EQ(pthread_create(&th, NULL, drop_late, t.pool), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(refs(t.pool), 4);
    for (int i = 0; i < 3; i++)
        ws_future_release(t.f[i]);
    CHECK_EQ(atomic_load(&t.count), 3);
    CHECK_EQ(ws_pool_destroy(t.pool), 0);
}

int main(void)
{
    leases();

    _Atomic long count = 0;

    /* Destroy right after posting: every accepted task still runs. */
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(ws_post(pool, bump, &count), 0);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(ws_post(pool, slow_bump, &count), 0);
    ws_future *f;
    CHECK_EQ(ws_submit_blocking(pool, slow_bump, &count, &f), 0);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(atomic_load(&count), 1021);
    CHECK_EQ(ws_future_status(f), 0); /* futures outlive their pool */
    ws_future_release(f);

    /* The baseline is taken after one full cycle: runtime threads started
       lazily by the sanitizers belong to the process, not to a pool. */
    int base = test_threads();
    double end = test_now() + test_stress_seconds(120);
    int cycles;
    for (cycles = 0; cycles < 1000 && test_now() < end; cycles++) {
        ws_pool_opts o = {.workers = 1 + (unsigned)cycles % 3};
        CHECK_EQ(ws_pool_create(&pool, &o), 0);
        if (cycles % 10 == 0)
            CHECK_EQ(ws_run(pool, bump, &count), 0);
        CHECK_EQ(ws_pool_destroy(pool), 0);
    }
    printf("lifetime: %d create/destroy cycles, threads %d -> %d\n", cycles, base, test_threads());
    CHECK_EQ(cycles, 1000);
    CHECK_EQ(test_threads(), base);
    return 0;
}
