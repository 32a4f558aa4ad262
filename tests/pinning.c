/* Placement: worker i runs on the (i mod n)-th allowed CPU (ascending), one
 * CPU per worker; WS_PIN_NONE leaves the whole mask; opts.cpus restricts;
 * threads are named "<prefix>-<i>"; a pinned worker has the shortest time
 * slice where the kernel has custom slices, and keeps its creator's nice
 * value. Checked from inside tasks that all run at once (a rendezvous), so
 * every worker reports its own mask. */
#include "check.h"
#include "slice.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <wsched.h>

#define MAXW 64

static _Atomic int arrived;
static int nexpected;
static cpu_set_t masks[MAXW];
static char names[MAXW][16];
static _Atomic int seen_id[MAXW];
static uint64_t slices[MAXW];
static int nices[MAXW];

/* The calling thread's time slice (sched_runtime of a SCHED_OTHER thread)
 * and nice value. */
static uint64_t my_slice(int *nice)
{
    struct ws__sched_attr a;
    CHECK_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0);
    if (nice)
        *nice = a.nice;
    return a.runtime;
}

/* Whether this kernel grants a fair thread a slice of its own (Linux 6.12
 * and later report it back): tried on a thread of its own, with the slice
 * workers ask for. */
static void *probe(void *ok)
{
    struct ws__sched_attr a;
    CHECK_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0);
    a.size = sizeof a;
    a.runtime = WS__SLICE_NS;
    *(bool *)ok = syscall(SYS_sched_setattr, 0, &a, 0) == 0 && my_slice(NULL) == WS__SLICE_NS;
    return NULL;
}

static int report(void *arg)
{
    (void)arg;
    int id = ws_worker_id();
    CHECK(id >= 0 && id < MAXW);
    CHECK_EQ(atomic_fetch_add(&seen_id[id], 1), 0);
    CHECK_EQ(sched_getaffinity(0, sizeof(cpu_set_t), &masks[id]), 0);
    pthread_getname_np(pthread_self(), names[id], sizeof(names[id]));
    slices[id] = my_slice(&nices[id]);
    /* Rendezvous: every worker holds one task at the same time. */
    atomic_fetch_add(&arrived, 1);
    double end = test_now() + 20;
    while (atomic_load(&arrived) < nexpected)
        CHECK(test_now() < end);
    return 0;
}

static void run_all(ws_pool *pool, unsigned n)
{
    atomic_store(&arrived, 0);
    nexpected = (int)n;
    for (unsigned i = 0; i < MAXW; i++)
        atomic_store(&seen_id[i], 0);
    ws_future *f[MAXW];
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(ws_submit(pool, report, NULL, &f[i]), 0);
    CHECK_EQ(ws_wait_all(f, n, -1), 0);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(ws_future_status(f[i]), 0);
        ws_future_release(f[i]);
    }
}

static int only_cpu(const cpu_set_t *s)
{
    if (CPU_COUNT(s) != 1)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, s))
            return c;
    return -1;
}

/* A pool of 2 pinned workers created by a thread 3 nicer than the test. */
static void *niced_creator(void *arg)
{
    uint64_t want = *(uint64_t *)arg;
    int nice;
    my_slice(&nice);
    nice = nice + 3 > 19 ? 19 : nice + 3; /* raising it needs no privilege */
    CHECK_EQ(setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice), 0);
    ws_pool *pool;
    ws_pool_opts o = {.workers = 2};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    run_all(pool, 2);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(nices[i], nice);
        CHECK_EQ(slices[i], want);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);
    return NULL;
}

int main(void)
{
    cpu_set_t all;
    CHECK_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
    int allowed[CPU_SETSIZE], n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all))
            allowed[n++] = c;
    CHECK(n > 0);
    unsigned nw = (unsigned)n * 2 > MAXW ? MAXW : (unsigned)n * 2;
    int nice0;
    uint64_t slice0 = my_slice(&nice0); /* the default a new thread inherits */
    bool custom = false;
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, probe, &custom), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    uint64_t pinned = custom ? WS__SLICE_NS : slice0;

    /* Default: one worker per allowed CPU, each on its own CPU. */
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);
    CHECK_EQ(ws_pool_workers(pool), (unsigned)n);
    run_all(pool, (unsigned)n);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(only_cpu(&masks[i]), allowed[i]);
        char want[16];
        snprintf(want, sizeof(want), "ws-%d", i);
        CHECK(strcmp(names[i], want) == 0);
        CHECK_EQ(slices[i], pinned);
        CHECK_EQ(nices[i], nice0);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* More workers than CPUs: worker i on allowed CPU i mod n. */
    ws_pool_opts o = {.workers = nw, .name = "pin"};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    run_all(pool, nw);
    for (unsigned i = 0; i < nw; i++) {
        CHECK_EQ(only_cpu(&masks[i]), allowed[i % (unsigned)n]);
        char want[16];
        snprintf(want, sizeof(want), "pin-%u", i);
        CHECK(strcmp(names[i], want) == 0);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* WS_PIN_NONE: the whole mask. */
    o = (ws_pool_opts){.workers = 2, .pin = WS_PIN_NONE};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    run_all(pool, 2);
    for (int i = 0; i < 2; i++) {
        CHECK(CPU_EQUAL(&masks[i], &all));
        CHECK_EQ(slices[i], slice0);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);

    /* The slice, not the nice value: workers keep their creator's. */
    CHECK_EQ(pthread_create(&th, NULL, niced_creator, &pinned), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);

    /* An explicit CPU list: both workers on the last allowed CPU. */
    int last = allowed[n - 1];
    o = (ws_pool_opts){.workers = 2, .cpus = &last, .ncpus = 1};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    run_all(pool, 2);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(only_cpu(&masks[i]), last);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("pinning: %d allowed CPUs, pinned workers' slice %llu ns (%s), ok\n", n,
           (unsigned long long)pinned, custom ? "custom slices" : "the kernel has no custom slices");
    return 0;
}
