/* fork() while a pool is busy: the child can create and use new pools, and
 * the parent's pool in the child refuses work and its destroy does nothing
 * (as the header says). Each child must exit 0 within 60 s; the parent's
 * pool keeps working throughout. Not built under the sanitizers, whose
 * runtimes are not fork-safe here (see tests/CMakeLists.txt). */
#include "check.h"
#include "fib.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wsched.h>

#define CHILDREN 10

static _Atomic int stop;

/* Keeps the parent's workers stealing and growing their deques (which
 * retires buffers and runs grace periods) until stop is set. */
/* 300 frames spawned at once: a 16-slot deque grows (and retires). */
static int grow(void *arg)
{
    (void)arg;
    ws_task t[300];
    fib_arg a[300];
    for (int i = 0; i < 300; i++) {
        a[i] = (fib_arg){10, 0};
        ws_spawn(&t[i], fib, &a[i]);
    }
    int rc = 0;
    for (int i = 299; i >= 0; i--)
        rc |= ws_sync(&t[i]) || a[i].r != 55;
    return rc;
}

static int churn(void *arg)
{
    while (!atomic_load(&stop)) {
        fib_arg a = {22, 0};
        if (fib(&a) || a.r != 17711 || grow(arg))
            return 1;
    }
    return 0;
}

static int ret7(void *arg)
{
    (void)arg;
    return 7;
}

static int count(void *arg)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
    return 0;
}

/* Futures and group jobs, enough to go through the caches' locks (their
 * depot, their slabs) many times. */
static int use_caches(ws_pool *p)
{
    _Atomic int n = 0;
    ws_future *f[300];
    for (int i = 0; i < 300; i++)
        if (ws_submit(p, count, &n, &f[i]) != 0)
            return 1;
    for (int i = 0; i < 300; i++) {
        if (ws_future_wait(f[i], -1) != 0)
            return 1;
        ws_future_release(f[i]);
    }
    ws_group *g;
    if (ws_group_create(&g, p, NULL) != 0)
        return 1;
    for (int i = 0; i < 300; i++)
        if (ws_group_post(g, count, &n) != 0)
            return 1;
    if (ws_group_wait(g, -1) != 0 || ws_group_destroy(g) != 0)
        return 1;
    return atomic_load(&n) != 600;
}

/* A thread of the parent that keeps the caches busy while it forks. */
static void *feeder(void *pool)
{
    while (!atomic_load(&stop))
        if (use_caches(pool))
            return (void *)1;
    return NULL;
}

static int child_main(ws_pool *parent)
{
    /* The parent's pool: refuses work, destroy does nothing. */
    ws_future *f;
    if (ws_submit(parent, ret7, NULL, &f) != WS_ESHUTDOWN)
        return 10;
    if (ws_run(parent, ret7, NULL) != WS_ESHUTDOWN)
        return 11;
    if (ws_pool_destroy(parent) != 0)
        return 12;
    /* A new pool works, deque growth and reclamation included. */
    for (int round = 0; round < 3; round++) {
        ws_pool *p;
        ws_pool_opts o = {.workers = 2, .deque_capacity = 16};
        if (ws_pool_create(&p, &o) != 0)
            return 13;
        fib_arg a = {24, 0};
        if (ws_run(p, fib, &a) != 0 || a.r != 46368)
            return 14;
        if (ws_run(p, grow, NULL) != 0)
            return 15;
        if (ws_submit(p, ret7, NULL, &f) != 0 || ws_future_wait(f, -1) != 0 ||
            ws_future_status(f) != 7)
            return 16;
        ws_future_release(f);
        if (use_caches(p))
            return 18;
        if (ws_pool_destroy(p) != 0)
            return 17;
    }
    return 0;
}

int main(void)
{
    ws_pool *pool;
    ws_pool_opts o = {.workers = 2, .deque_capacity = 16};
    CHECK_EQ(ws_pool_create(&pool, &o), 0);
    ws_future *busy[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(ws_submit(pool, churn, NULL, &busy[i]), 0);
    pthread_t feed;
    CHECK_EQ(pthread_create(&feed, NULL, feeder, pool), 0);
    for (int i = 0; i < CHILDREN; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            _exit(child_main(pool));
        int status = 0;
        double deadline = test_now() + 60;
        pid_t r;
        while ((r = waitpid(pid, &status, WNOHANG)) == 0 && test_now() < deadline)
            usleep(10000);
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "fork: child %d hangs\n", i);
            return 1;
        }
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
    }
    atomic_store(&stop, 1);
    void *fed;
    CHECK_EQ(pthread_join(feed, &fed), 0);
    CHECK(fed == NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ws_future_wait(busy[i], -1), 0);
        CHECK_EQ(ws_future_status(busy[i]), 0);
        ws_future_release(busy[i]);
    }
    CHECK_EQ(ws_pool_destroy(pool), 0);
    printf("fork: %d children ok\n", CHILDREN);
    return 0;
}
